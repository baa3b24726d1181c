"""The response: what the `respond` flow does, phase by phase.

    report     the operator's incident report (validated before anything is written)
    context    the template contexts: what notices and upward reports may say
    steps      the Prefect tasks, one per phase; each writes its effect under an idempotency key
    groups     one working group's activation: notify, wait, escalate, record the outcome per unit
    closing    stand-down and the after-action assessment
"""
