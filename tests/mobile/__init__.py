"""Tests of the phone-side core: vault, records, sync client and engine, settings."""
