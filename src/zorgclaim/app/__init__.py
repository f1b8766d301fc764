"""The application layer: one function per operation over the store and the world, called by the
command line, the HTTP API and the pages alike; none of those holds a rule or a check of its own.

Every operation is asked by a `Principal` (access.py): it checks the principal's role and whether
the data is its own, and logs each read or change of a person's health data.

    context        the store, the world, the data folder, the clock
    claims         read (one registry of formats), intake, process, submit now (idempotent)
    batcher        micro-batching of real-time submissions
    jobs           an uploaded file taken in and decided in the background (PM305 return)
    lines          a line's decision, explanation and audit trail; lists of lines
    members        deductible meter, remaining limits, own patients
    estimate       what a hypothetical line would cost, nothing booked
    review         the review queue, first-pass rate, watch list, provider variance
    authorizations requests and the medical adviser's decisions
    books          statements, payments, payment runs, deductible invoices, ledger, reconsideration
    users          users and logging in
    demo           the demo book through the store, demo users
"""
