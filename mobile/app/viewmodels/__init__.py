"""State and rules behind the screens, without Flet: screens build controls and forward events here."""
