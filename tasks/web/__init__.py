"""Web pieces a run may start itself: the acknowledgement app, the guard of its forms, serving on loopback."""
