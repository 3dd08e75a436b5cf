-- Sample payments database of the demo entity (Zahlungsinstitut Beispiel GmbH), read by the
-- transaction-scope connector (src/connectors/transactions/) to answer RTS 2024/1772 Art. 1 and
-- Art. 9(1): clients, financial counterparts and transactions affected, and the daily averages.
--
-- Loaded by scripts/postgres-server.sh, then filled by generate.sql. Foreign keys and indexes
-- are added by generate.sql after the bulk insert, which keeps loading fast.

DROP SCHEMA IF EXISTS payments CASCADE;
CREATE SCHEMA payments;
COMMENT ON SCHEMA payments IS 'Sample payments data of the DORA Bridge demo entity (generated, not real).';

-- The services the entity provides, named as its ICT asset register names them.
CREATE TABLE payments.services (
    name        text PRIMARY KEY,
    critical    boolean NOT NULL,
    authorised  boolean NOT NULL
);

-- Clients (RTS 2024/1772 Art. 1(1)): natural or legal persons with a contract for a service.
CREATE TABLE payments.clients (
    client_id   bigint PRIMARY KEY,
    name        text NOT NULL,
    country     char(2) NOT NULL,          -- ISO 3166-1 alpha-2, residence or seat
    segment     text NOT NULL CHECK (segment IN ('retail', 'business')),
    onboarded   date NOT NULL
);

-- Which client uses which service: the totals of Art. 9(1)(b) count these.
CREATE TABLE payments.client_services (
    client_id   bigint NOT NULL,
    service     text NOT NULL,
    since       date NOT NULL,
    PRIMARY KEY (service, client_id)
);

-- Financial counterparts (RTS 2024/1772 Art. 1(2)): acquirers of card payments, and the
-- payment service providers that receive or send instant payments.
CREATE TABLE payments.counterparts (
    counterpart_id  integer PRIMARY KEY,
    name            text NOT NULL,
    lei             char(20) NOT NULL,
    country         char(2) NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('acquirer', 'payment service provider'))
);

CREATE TABLE payments.counterpart_services (
    counterpart_id  integer NOT NULL,
    service         text NOT NULL,
    PRIMARY KEY (service, counterpart_id)
);

-- One row per payment attempt. amount is in the payment's currency, amount_eur at the day's
-- reference rate. failure_kind tells technical failures (an ICT incident's footprint) from
-- business declines (insufficient funds, fraud rules), which no incident explains.
CREATE TABLE payments.transactions (
    transaction_id  bigint NOT NULL,
    service         text NOT NULL,
    client_id       bigint NOT NULL,
    counterpart_id  integer NOT NULL,
    created_at      timestamptz NOT NULL,
    amount          numeric(14, 2) NOT NULL CHECK (amount > 0),
    currency        char(3) NOT NULL,
    amount_eur      numeric(14, 2) NOT NULL CHECK (amount_eur > 0),
    status          text NOT NULL CHECK (status IN ('settled', 'declined', 'failed', 'reversed')),
    failure_kind    text CHECK (failure_kind IN ('technical', 'business')),
    failure_reason  text,
    channel         text NOT NULL
);

-- The ground truth of the demo: the outage generate.sql wrote into the data. Tests read it to
-- find the window; a real database has no such table.
CREATE TABLE payments.sample_outages (
    service         text NOT NULL,
    window_start    timestamptz NOT NULL,
    window_end      timestamptz NOT NULL,
    countries       text[] NOT NULL,
    description     text NOT NULL
);

CREATE TABLE payments.sample_info (
    generated_at    timestamptz NOT NULL,
    data_start      timestamptz NOT NULL,
    data_end        timestamptz NOT NULL,
    seed            double precision NOT NULL
);
