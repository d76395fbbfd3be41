# A stand-in for BlueKing's license server in the scenarios of issue 6:
# HTTPS on 127.0.0.1:PORT with CERT/KEY; POST /certificate answers
# {"message": "success"} when the body equals the file EXPECT, and an error
# otherwise.  usage: python3 rest-license.py PORT CERT KEY EXPECT
import http.server, json, ssl, sys

port, cert, key, expect = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        good = self.path == "/certificate" and body == open(expect, "rb").read()
        out = json.dumps({"result": good, "message": "success" if good else
                          "certificate is invalid"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, fmt, *args):
        sys.stdout.write("%s\n" % (fmt % args))


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
