"""The Flet app: screens that wire events to :mod:`mobile.app.service`."""
