"""Channel-neutral intake: every input an adapter receives is stored verbatim first, then
parsed by the adapter and accepted as a report, or kept with the reason it failed."""
