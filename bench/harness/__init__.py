"""The wsging benchmark harness: starts servers, drives load generators, reads /proc, writes tables."""
