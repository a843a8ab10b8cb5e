"""Adapters to the outside world: channels and operator gateways.

They reach the core only through its narrow doors: `service.intake` (store, parse, accept),
`service.reports.service` (the IncomingReport shape), `service.triage.notify` (status
notices), `service.outbox.retrying` and `service.celery_app` (tasks), and the `Runtime`.
Each channel exposes a ChannelPlugin (service.plugins) through the `triage.channels`
entry point.
"""
