"""Moderation: house rules, screening, the queue, decisions, appeals and the audit trail.

Imports point one way: consult -> moderation -> documents. This package never imports
consult; where a decision must change what citizens see it emits a blinker signal.
"""
