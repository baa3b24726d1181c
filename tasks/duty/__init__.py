"""Duty around the clock (值守应急制度): the Chinese calendar of holidays and adjusted working days."""
