"""Test double of XSOAR's ``CommonServerUserPython``: empty, as on a server with no user code."""
