"""Demo scenarios, run in file-name order. Each module exposes `run(ctx: DemoContext) -> None`."""
