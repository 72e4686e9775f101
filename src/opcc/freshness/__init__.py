"""Freshness: is each feed arriving as often as it should, has each ledger month closed with lines in it, and was
the night published in time? The checks themselves are SQL (expectations/freshness/); this package owns the
calendar they are measured against (working days, each feed's cadence) and how an overdue feed is told."""
