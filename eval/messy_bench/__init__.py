"""Messy-answer bench: the whole graph per task with the clean offline engine and with the messy model."""
