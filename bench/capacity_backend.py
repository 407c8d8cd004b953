#!/usr/bin/env python3
"""A backend of fixed capacity for bench/overload.sh: SLOTS requests are served at a time, each
for SERVICE_MS; the others wait their turn in arrival order. Its capacity is therefore
SLOTS * 1000 / SERVICE_MS requests per second whatever is offered, and the latency it adds
under overload is pure queueing, which is what a concurrency limit in front of it should keep
short. A request whose connection closed while it waited (the proxy gave up on it) is dropped
without being served, as a real server's cancelled work would be. HTTP/1.1 keep-alive,
Content-Length bodies only; a small WeChat Pay style JSON answer.

    capacity_backend.py --port 9000 [--slots 8] [--service-ms 20]
"""

import argparse
import asyncio

BODY = b'{"mchid":"1230000109","transaction_id":"4200001234202401011234567890","trade_state":"SUCCESS"}'
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % len(BODY)) + BODY


async def serve(reader, writer, slots, service):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    await reader.readexactly(int(line.split(b":", 1)[1]))
            async with slots:
                if reader.at_eof():
                    break
                await asyncio.sleep(service)
            writer.write(RESPONSE)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slots", type=int, default=8)
    parser.add_argument("--service-ms", type=float, default=20)
    args = parser.parse_args()
    slots = asyncio.Semaphore(args.slots)
    service = args.service_ms / 1000
    server = await asyncio.start_server(lambda r, w: serve(r, w, slots, service), args.address,
                                        args.port, backlog=4096)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
