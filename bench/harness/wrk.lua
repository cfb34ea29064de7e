-- wrk script of the wsging benchmark harness.
-- Arguments after `--`: METHOD BODY_BYTES DEPTH
--   METHOD      GET or POST
--   BODY_BYTES  size of the request body (0: none); wrk.format adds its Content-Length
--   DEPTH       requests written back to back per round trip: 1 is plain keep-alive, 16 is
--               HTTP/1.1 pipelining as in the TechEmpower plaintext test (RFC 9112 section 9.3.2)
-- done() prints one line `WRK_RESULT {json}` that harness/load.py parses; wrk's own text report
-- rounds its percentiles, this one keeps microseconds.

local payload

init = function(args)
  local method = args[1] or "GET"
  local size = tonumber(args[2] or "0")
  local depth = tonumber(args[3] or "1")
  local body = nil
  local headers = {}
  if size > 0 then
    body = string.rep("x", size)
    headers["Content-Type"] = "application/octet-stream"
  end
  payload = string.rep(wrk.format(method, nil, headers, body), depth)
end

request = function()
  return payload
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p99": %d, "mean": %.1f, "max": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
end
