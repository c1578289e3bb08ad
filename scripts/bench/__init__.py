"""The benchmark: every figure the README quotes, printed as tables.

Runs each function's release `bootstrap` under AWS's Lambda Runtime Interface Emulator (shipped
inside the aws-sam-cli package), with API Gateway events, against DynamoDB Local, all on loopback,
plainly and through a local TLS-terminating proxy (a throwaway CA the functions trust through
SSL_CERT_FILE). Beside each endpoint it measures the floor (a do-nothing lambda_http function under
the same emulator) and the bare DynamoDB calls the endpoint makes (examples/bench_tool.rs, same SDK
and client settings), so that

    residual = endpoint warm p50 - floor warm p50 - bare DynamoDB p50

is what our own code costs per warm request. Run as `python3 -m bench PORT` from `scripts/` by
scripts/bench.sh, which builds first. Prints; asserts nothing about speed.

Modules, leaves first: settings (paths and knobs), report (percentiles and tables), network
(ports), tls (the CA and the proxy), api_events (API Gateway events, one factory per endpoint),
emulator (a function under the emulator: cold, warm), receiver (the webhook receiver), cgroups
(Lambda's CPU shares), callgrind (instructions), and one module per part of the run: latency,
lambda_sizes, events_out; __main__ seeds and runs them.
"""
