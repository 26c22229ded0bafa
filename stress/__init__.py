"""Long-running reliability checks (`make stress`); short forms run in `make test`."""
