"""Helpers shared by the test suite (real CUPS parts, no mocks)."""
