"""CAP 1.2 / GB/T 35965.1 ingest (issue 13, item 3): read an alert, decide what it means for the park. Pure.

    parse.read_cap(data, where=…) → CapAlert         parse.read_cap_file(path) → CapAlert
    interpret.interpret(alert, park=…, maps=…, playbook=…, drill=…, now=…) → CapDecision
    maps.CapMaps.build(severity=…, events=…)          the severity → colour and event → playbook maps
    area.ParkArea                                     the park's points and geocodes; does an alert cover it?
    feed.read_feed(data, where=…) / feed.read_folder(path)   the CAP documents of an Atom/RSS feed or a folder

The `warn` flow does the HTTP, the database (models.cap_store) and the warning itself.
"""
