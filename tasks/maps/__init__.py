"""ParkLink's pictures, drawn as SVG by ParkLink itself (offline: no tiles, no fonts fetched, no scripts).

    projection  lat/lon ↔ SVG x/y on a local equirectangular projection, metres per pixel (pure)
    svg         escaping and the common root element of every picture (pure)
    zones       day or night, the ERG protective distance, the downwind sector's geometry (pure)
    site_map    the site map: outline, roads, enterprises, depots, incident, zones, command post (pure)
    ack_chart   the acknowledgement chart: per group, notified → acknowledged against its deadline (pure)
    figures     the incident's figures read from the record (the database): the board, the reports
"""
