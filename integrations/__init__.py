"""Adapters to the outside world: channels and operator gateways.

They import only service.contracts. Filled by the channels issue (#3).
"""
