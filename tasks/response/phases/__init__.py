"""The response's phases as pure functions: typed inputs in, a typed result and the events it produced out.

No Prefect, no database session, no HTTP: each is tested with plain data. The thin Prefect tasks in
`tasks/response/` read what a phase needs through the store functions, call it, and write what it returns
(its events through `models.event_store.record_events`, the one writer).

    opening    the level (the operator's or graded), the opening entries, the command post
    groups     a group's activation entry, its outcome from the units' outcomes, stand-down and failure entries
    upward     when each upward report is due, what it says, what its sending produced
    dispatch   the dispatch entry, the approval rule and its overdue escalation, the typed dispatch result
    closing    a level change applied, needs released on a lowering, stand-down, the assessment's input
"""
