"""Corrective actions (issue 14): proposed from an assessment's missed KPIs, reminded and escalated until closed.

    owners      who answers for a KPI not met: the owner unit of the action it proposes (pure)
    proposals   an assessment's KPIs not met → proposed actions (one per finding), and the report's lines
    stages      which reminder or overdue notice an action is due on a day (pure)
    notices     the reminder to the owner's liaison; the overdue notice, escalated to its head, then the office
    results     what the reminder flow did (pure)
"""
