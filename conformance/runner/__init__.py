"""The runner: options, the engine that orders and runs checks, verdicts, and reports."""
