"""Telecom operators and carriers: units, networks, coverage, number blocks, cable labels."""
