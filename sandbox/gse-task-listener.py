#!/usr/bin/env python3
# gse-task-listener.py PORT ADDR... - stands in for gse_task in jobfix's
# fleet tests: listens on PORT at every ADDR, accepts connections and holds
# them open (agents keep a connection to gse_task).  Writes "ready" to
# stdout once every address listens.
import asyncio
import sys

held = []


async def hold(reader, writer):
    held.append(writer)
    try:
        while await reader.read(4096):
            pass
    except ConnectionError:
        pass
    held.remove(writer)
    writer.close()


async def main():
    port = int(sys.argv[1])
    servers = [await asyncio.start_server(hold, addr, port, backlog=512)
               for addr in sys.argv[2:]]
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))

asyncio.run(main())
