"""The joint meeting (联席会议制度, issue 14): what the `meeting` flow (flows/meeting.py) does, step by step.

    agenda.py    the agenda from typed inputs: the year's incidents and drills, corrective actions, the latest
                 liaison check, drill compliance (pure)
    gather.py    those inputs read from the database
    invite.py    the invitations through the acknowledgement machinery, the one reminder, the attendance closed
    record.py    the meeting's record (attendance, agenda, minutes, resolutions) rendered zh-CN / en
"""
