"""The conformance kit: an application with one endpoint per feature (`wsging.conformance.app`)
and a runner that drives any host serving it with real clients and grades each feature
(`python -m wsging.conformance URL`). The runner needs only the standard library; its HTTP/2
rows run when the `h2` package is importable."""
