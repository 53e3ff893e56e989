"""Helpers shared by the tests that run the app in real server processes."""
