-- Generates the sample payments data of the demo entity into the schema of schema.sql.
--
--   psql -v ON_ERROR_STOP=1 -f schema.sql -f generate.sql [-v anchor=2026-11-23T12:00:00Z]
--
-- 60 days of card and instant payments ending at :anchor (default: now, to the minute), about
-- 8 000 card and 2 400 instant payments a day with a daily and weekly rhythm (~600 000 rows),
-- 20 000 clients in eleven countries and 120 financial counterparts. Deterministic for a given
-- anchor (setseed, no parallel workers).
--
-- The outage (RTS 2024/1772 Art. 9(1) scope of the demo incident): for 2 h 48 min, from 9 h 08 min
-- before the anchor's hour when that is business time in Berlin (08:52 to 18:52), else from the
-- nearest such start that ends before the anchor (08:52 the same morning, or 18:52 the evening
-- before), the card authorisation gateway was down for clients in DE and AT. Business time,
-- whatever the anchor's time of day: at night the same window would hold a tenth of the payments,
-- and the figures the demo and the tests count would depend on the hour they run at. Every card payment of those clients in that window failed (90 %,
-- 'authorisation gateway unavailable') or was declined by stand-in processing (10 %); all are
-- failure_kind 'technical'. payments.sample_outages records the window.

\set ON_ERROR_STOP on
SET max_parallel_workers_per_gather = 0;
SET synchronous_commit = off;
SELECT setseed(0.42);

\if :{?anchor}
SELECT date_trunc('minute', :'anchor'::timestamptz) AS anchor \gset
\else
SELECT date_trunc('minute', now()) AS anchor \gset
\endif

BEGIN;

INSERT INTO payments.sample_info
VALUES (now(), :'anchor'::timestamptz - interval '60 days', :'anchor'::timestamptz, 0.42);

INSERT INTO payments.services VALUES
    ('Card payments', true, true),
    ('Instant payments', true, true),
    ('Customer portal', false, false);

-- Clients: 55 % DE, 15 % AT, then the Member States the entity passports into, and a few
-- outside the EEA.
INSERT INTO payments.clients
SELECT i,
       CASE WHEN i % 9 = 0 THEN format('Beispielfirma %s GmbH', i) ELSE format('Kunde %s', lpad(i::text, 6, '0')) END,
       CASE WHEN r < 0.55 THEN 'DE' WHEN r < 0.70 THEN 'AT' WHEN r < 0.77 THEN 'NL'
            WHEN r < 0.83 THEN 'FR' WHEN r < 0.88 THEN 'IT' WHEN r < 0.92 THEN 'ES'
            WHEN r < 0.96 THEN 'PL' WHEN r < 0.98 THEN 'BE' WHEN r < 0.99 THEN 'CZ'
            WHEN r < 0.995 THEN 'CH' ELSE 'GB' END,
       CASE WHEN i % 9 = 0 THEN 'business' ELSE 'retail' END,
       date '2015-01-01' + (random() * 3600)::int
FROM (SELECT i, random() AS r FROM generate_series(1, 20000) AS i) AS s;

-- 95 % of clients hold a card (every id not divisible by 20); 40 % use instant payments
-- (ids ending in 1, 2, 6 or 7). The transactions below keep to these.
INSERT INTO payments.client_services
SELECT client_id, 'Card payments', onboarded FROM payments.clients WHERE client_id % 20 <> 0;
INSERT INTO payments.client_services
SELECT client_id, 'Instant payments', greatest(onboarded, date '2024-01-09')
FROM payments.clients WHERE client_id % 5 IN (1, 2);

INSERT INTO payments.counterparts
SELECT i,
       CASE WHEN i <= 20 THEN format('Acquirer %s', chr(64 + i)) ELSE format('PSP %s', i - 20) END,
       upper(substr(md5('lei' || i), 1, 18)) || lpad((i % 97)::text, 2, '0'),
       (ARRAY['DE', 'AT', 'NL', 'FR', 'IT', 'ES', 'PL', 'BE', 'IE', 'LU'])[1 + i % 10],
       CASE WHEN i <= 20 THEN 'acquirer' ELSE 'payment service provider' END
FROM generate_series(1, 120) AS i;

INSERT INTO payments.counterpart_services
SELECT counterpart_id, CASE WHEN kind = 'acquirer' THEN 'Card payments' ELSE 'Instant payments' END
FROM payments.counterparts;

-- Share of a day's payments made in each hour (Europe/Berlin), summing to 24.
CREATE TEMP TABLE hour_weight (h int PRIMARY KEY, w float8 NOT NULL);
INSERT INTO hour_weight VALUES
    (0, 0.20), (1, 0.12), (2, 0.08), (3, 0.06), (4, 0.07), (5, 0.18), (6, 0.45), (7, 0.85),
    (8, 1.25), (9, 1.50), (10, 1.62), (11, 1.70), (12, 1.85), (13, 1.72), (14, 1.55),
    (15, 1.52), (16, 1.60), (17, 1.72), (18, 1.68), (19, 1.45), (20, 1.15), (21, 0.82),
    (22, 0.55), (23, 0.36);

CREATE TEMP SEQUENCE transaction_ids;

INSERT INTO payments.transactions
SELECT nextval('transaction_ids'),
       service,
       client_id,
       counterpart_id,
       created_at,
       round(eur * CASE currency WHEN 'PLN' THEN 4.31 WHEN 'CZK' THEN 25.02 WHEN 'SEK' THEN 11.24 ELSE 1 END, 2),
       currency,
       eur,
       CASE WHEN r < decline THEN 'declined' WHEN r < decline + 0.0015 THEN 'failed'
            WHEN r < decline + 0.0045 AND card THEN 'reversed' ELSE 'settled' END,
       CASE WHEN r < decline THEN 'business' WHEN r < decline + 0.0015 THEN 'technical' END,
       CASE WHEN r < decline THEN
                (CASE WHEN card THEN ARRAY['insufficient funds', 'card expired', 'suspected fraud', 'insufficient funds']
                      ELSE ARRAY['insufficient funds', 'beneficiary account closed', 'suspected fraud', 'insufficient funds'] END)
                [1 + (r * 100000)::int % 4]
            WHEN r < decline + 0.0015 THEN CASE WHEN card THEN 'issuer timeout' ELSE 'scheme timeout' END END,
       CASE WHEN card THEN (CASE WHEN r2 < 0.7 THEN 'pos' ELSE 'e-commerce' END)
            ELSE (CASE WHEN r2 < 0.65 THEN 'mobile app' ELSE 'online banking' END) END
FROM (
    SELECT service,
           card,
           created_at,
           -- card holders: every id not divisible by 20; instant users: ids ending in 1, 2, 6, 7
           CASE WHEN card THEN 1 + k + k / 19 ELSE 5 * (k % 4000) + 1 + (r2 < 0.5)::int END AS client_id,
           CASE WHEN card THEN 1 + floor(r4 * 20)::int ELSE 21 + (k / 4000)::int END AS counterpart_id,
           -- log-normal amounts: card median ~27 EUR, instant median ~150 EUR
           round(greatest(1.0, least(CASE WHEN card THEN 4000.0 ELSE 50000.0 END,
                 exp(CASE WHEN card THEN 3.3 + 0.9 * z ELSE 5.0 + 1.1 * z END)))::numeric, 2) AS eur,
           -- card payments abroad in the local currency; SEPA instant payments in euro only
           CASE WHEN r3 < 0.93 OR NOT card THEN 'EUR' WHEN r3 < 0.96 THEN 'PLN'
                WHEN r3 < 0.98 THEN 'CZK' ELSE 'SEK' END AS currency,
           r,
           r2,
           CASE WHEN card THEN 0.025 ELSE 0.010 END AS decline
    FROM (
        SELECT service,
               card,
               date_trunc('milliseconds', m + random() * interval '60 seconds') AS created_at,
               floor(random() * CASE WHEN card THEN 19000 ELSE 400000 END)::bigint AS k,
               sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z,
               random() AS r,
               random() AS r2,
               random() AS r3,
               random() AS r4
        FROM generate_series(:'anchor'::timestamptz - interval '60 days',
                             :'anchor'::timestamptz - interval '1 minute', interval '1 minute') AS m
        JOIN hour_weight ON hour_weight.h = extract(hour FROM m AT TIME ZONE 'Europe/Berlin')::int
        CROSS JOIN (VALUES ('Card payments', true, 8000.0, 0.85), ('Instant payments', false, 2400.0, 0.55))
                   AS svc (service, card, per_day, weekend)
        CROSS JOIN LATERAL generate_series(1, floor(per_day / 1440 * w
                * CASE WHEN extract(isodow FROM m AT TIME ZONE 'Europe/Berlin') >= 6 THEN weekend ELSE 1 END
                * (0.85 + 0.3 * random()) + random())::int) AS n
    ) AS draws
) AS t;

-- The outage of the demo incident.
INSERT INTO payments.sample_outages
SELECT 'Card payments', ws, ws + interval '2 hours 48 minutes', ARRAY['DE', 'AT'],
       'Card authorisation gateway unavailable for clients in DE and AT: payments failed or were declined by stand-in processing.'
FROM (
    SELECT (CASE
                WHEN extract(hour FROM l) BETWEEN 8 AND 18 THEN l
                WHEN extract(hour FROM l) BETWEEN 2 AND 7 THEN date_trunc('day', l) + interval '8 hours 52 minutes'
                WHEN extract(hour FROM l) >= 19 THEN date_trunc('day', l) + interval '18 hours 52 minutes'
                ELSE date_trunc('day', l) - interval '1 day' + interval '18 hours 52 minutes'
            END) AT TIME ZONE 'Europe/Berlin' AS ws
    FROM (SELECT (date_trunc('hour', :'anchor'::timestamptz) - interval '9 hours 8 minutes')
                 AT TIME ZONE 'Europe/Berlin' AS l) AS c
) AS w;

UPDATE payments.transactions AS t
SET status = CASE WHEN t.transaction_id % 10 = 0 THEN 'declined' ELSE 'failed' END,
    failure_kind = 'technical',
    failure_reason = CASE WHEN t.transaction_id % 10 = 0 THEN 'stand-in processing declined'
                          ELSE 'authorisation gateway unavailable' END
FROM payments.clients AS c, payments.sample_outages AS o
WHERE c.client_id = t.client_id
  AND c.country = ANY (o.countries)
  AND t.service = o.service
  AND t.created_at >= o.window_start
  AND t.created_at < o.window_end;

ALTER TABLE payments.transactions ADD PRIMARY KEY (transaction_id);
ALTER TABLE payments.transactions
    ADD FOREIGN KEY (service) REFERENCES payments.services (name),
    ADD FOREIGN KEY (client_id) REFERENCES payments.clients (client_id),
    ADD FOREIGN KEY (counterpart_id) REFERENCES payments.counterparts (counterpart_id);
ALTER TABLE payments.client_services
    ADD FOREIGN KEY (client_id) REFERENCES payments.clients (client_id),
    ADD FOREIGN KEY (service) REFERENCES payments.services (name);
ALTER TABLE payments.counterpart_services
    ADD FOREIGN KEY (counterpart_id) REFERENCES payments.counterparts (counterpart_id),
    ADD FOREIGN KEY (service) REFERENCES payments.services (name);
CREATE INDEX transactions_service_time ON payments.transactions (service, created_at);

COMMIT;

ANALYZE payments.transactions;
ANALYZE payments.clients;
