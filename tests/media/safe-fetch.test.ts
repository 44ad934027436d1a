import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AppError, type ErrorCode } from "../../src/errors.ts";
import {
  createMediaFetcher,
  filenameFromContentDisposition,
  type MediaFetcherOptions,
  type Resolver,
} from "../../src/media/safe-fetch.ts";
import { SAMPLES } from "./samples.ts";
import { TEST_CERT, TEST_KEY } from "./tls-fixture.ts";

type Seen = { path: string; host: string | null };

let seen: Seen[] = [];
let server: ReturnType<typeof Bun.serve>;
let tlsServer: ReturnType<typeof Bun.serve>;
let closedPort: number;

function route(req: Request): Response | Promise<Response> {
  const url = new URL(req.url);
  seen.push({ path: url.pathname + url.search, host: req.headers.get("host") });
  switch (url.pathname) {
    case "/files/report%20final.pdf":
      return new Response(SAMPLES.pdf, { headers: { "content-type": "application/pdf; charset=binary" } });
    case "/download":
      return new Response(SAMPLES.png, {
        headers: {
          "content-type": "image/png",
          "content-disposition": `attachment; filename="fallback.png"; filename*=UTF-8''fa%C3%A7ade%20photo.png`,
        },
      });
    case "/download-plain":
      return new Response(SAMPLES.png, {
        headers: { "content-disposition": 'inline; filename="../../x/scan.png"' },
      });
    case "/host":
      return new Response(`host=${req.headers.get("host")}`, { headers: { "content-type": "text/plain" } });
    case "/moved":
      return new Response(null, { status: 302, headers: { location: "http://127.0.0.1/secret" } });
    case "/hang":
      return new Promise<Response>(() => {});
    case "/stall-body":
      return new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new Uint8Array(16));
          },
        }),
      );
    case "/big-with-length":
      return new Response(new Uint8Array(4096));
    case "/exactly-1024":
      return new Response(new Uint8Array(1024));
    case "/big-streamed":
      // Never ends: the fetcher must stop reading, not buffer forever.
      return new Response(
        new ReadableStream({
          pull(controller) {
            controller.enqueue(new Uint8Array(512));
          },
        }),
      );
    case "/gzip-bomb":
      return new Response(Bun.gzipSync(new Uint8Array(1024 * 1024)), {
        headers: { "content-encoding": "gzip", "content-type": "application/octet-stream" },
      });
    case "/empty":
      return new Response(null, { status: 200 });
    default:
      return new Response("not here", { status: 404 });
  }
}

beforeAll(() => {
  server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: route });
  tlsServer = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    tls: { cert: TEST_CERT, key: TEST_KEY },
    fetch: route,
  });
  const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  closedPort = closed.port ?? 0;
  closed.stop(true);
});

afterAll(() => {
  server.stop(true);
  tlsServer.stop(true);
});

/** Maps names to fixed addresses and records every lookup; unknown names fail like NXDOMAIN. */
function fakeDns(records: Record<string, string[]>): Resolver & { lookups: string[] } {
  const lookups: string[] = [];
  const resolve = async (hostname: string) => {
    lookups.push(hostname);
    const addresses = records[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return addresses;
  };
  return Object.assign(resolve, { lookups });
}

type Call = { url: string; init: BunFetchRequestInit | undefined };

/** A transport that records what would be dialled and answers without touching the network. */
function recordingTransport(response: () => Response = () => new Response(SAMPLES.jpeg)) {
  const calls: Call[] = [];
  const impl = async (input: string | URL | Request, init?: BunFetchRequestInit) => {
    calls.push({ url: String(input), init });
    return response();
  };
  return { calls, fetchImpl: Object.assign(impl, { preconnect: fetch.preconnect }) as typeof fetch };
}

function fetcher(overrides: Partial<MediaFetcherOptions> = {}) {
  return createMediaFetcher({ allowPrivate: false, timeoutMs: 2000, maxBytes: 1024 * 1024, ...overrides });
}

async function rejectionOf(
  promise: Promise<unknown>,
): Promise<{ code: ErrorCode; status: number; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AppError) return { code: err.code, status: err.status, message: err.message };
    throw err;
  }
  throw new Error("expected the fetch to be refused");
}

function refusal(message: string | RegExp) {
  return {
    code: "ERR_INVALID_MEDIA_URL" as const,
    status: 400,
    message: typeof message === "string" ? expect.stringContaining(message) : expect.stringMatching(message),
  };
}

function failure(message: string) {
  return { code: "ERR_MEDIA_FETCH_FAILED" as const, status: 502, message: expect.stringContaining(message) };
}

describe("URLs refused before any lookup or connection", () => {
  test.each([
    ["file:///etc/passwd", 'scheme "file:"'],
    ["ftp://example.com/photo.jpg", 'scheme "ftp:"'],
    ["data:image/png;base64,iVBORw0KGgo=", 'scheme "data:"'],
    ["blob:https://example.com/0b0b", 'scheme "blob:"'],
    ["gopher://example.com/", 'scheme "gopher:"'],
    ["javascript:alert(1)", 'scheme "javascript:"'],
    ["not a url", "not a valid URL"],
    ["http://", "not a valid URL"],
    ["/relative/path.jpg", "not a valid URL"],
    ["http://user:secret@example.com/photo.jpg", "must not contain credentials"],
    ["https://token@example.com/photo.jpg", "must not contain credentials"],
  ])("refuses %s", async (url, why) => {
    const dns = fakeDns({ "example.com": ["93.184.216.34"] });
    const transport = recordingTransport();
    const media = fetcher({ resolve: dns, fetchImpl: transport.fetchImpl });
    expect(await rejectionOf(media.fetch(url))).toEqual(refusal(why));
    expect({ lookups: dns.lookups, calls: transport.calls }).toEqual({ lookups: [], calls: [] });
  });

  test.each([
    ["http://127.0.0.1/", "loopback"],
    ["http://127.1/", "loopback"],
    ["http://2130706433/", "loopback"],
    ["http://0x7f.1/", "loopback"],
    ["http://0x7f000001/", "loopback"],
    ["http://017700000001/", "loopback"],
    ["http://[::1]/", "loopback"],
    ["http://[::ffff:127.0.0.1]/", "ipv4Mapped loopback"],
    ["http://[::ffff:7f00:1]/", "ipv4Mapped loopback"],
    ["http://[::127.0.0.1]/", "reserved"],
    ["http://10.0.0.1/", "private"],
    ["http://172.16.0.1/", "private"],
    ["http://172.31.255.254/", "private"],
    ["http://192.168.1.1/", "private"],
    ["http://169.254.169.254/latest/meta-data/", "linkLocal"],
    ["http://[::ffff:169.254.169.254]/", "ipv4Mapped linkLocal"],
    ["http://[fe80::1]/", "linkLocal"],
    ["http://100.64.0.1/", "carrierGradeNat"],
    ["http://0.0.0.0/", "unspecified"],
    ["http://0/", "unspecified"],
    ["http://[::]/", "unspecified"],
    ["http://255.255.255.255/", "broadcast"],
    ["http://224.0.0.1/", "multicast"],
    ["http://[ff02::1]/", "multicast"],
    ["http://[fc00::1]/", "uniqueLocal"],
    ["http://[fd12:3456::1]/", "uniqueLocal"],
    ["http://192.0.2.10/", "reserved"],
    ["http://198.51.100.7/", "reserved"],
    ["http://203.0.113.9/", "reserved"],
    ["http://198.18.0.1/", "reserved"],
    ["http://240.0.0.1/", "reserved"],
    ["http://[2001:db8::1]/", "reserved"],
    ["http://[64:ff9b::10.0.0.1]/", "rfc6052 private"],
    ["http://[2002:a00:1::]/", "6to4 private"],
    ["https://10.0.0.1:8443/x.jpg", "private"],
  ])("refuses the IP literal in %s", async (url, range) => {
    const dns = fakeDns({});
    const transport = recordingTransport();
    const media = fetcher({ resolve: dns, fetchImpl: transport.fetchImpl });
    expect(await rejectionOf(media.fetch(url))).toEqual(refusal(`non-public address (${range}`));
    expect({ lookups: dns.lookups, calls: transport.calls }).toEqual({ lookups: [], calls: [] });
  });

  test.each([
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://METADATA.GOOGLE.INTERNAL./computeMetadata/v1/",
    "http://instance-data.ec2.internal/latest/",
    "http://metadata/",
    "http://localhost:8080/",
    "http://api.localhost/",
    "http://printer.local/",
    "http://router.home.arpa/",
  ])("refuses the internal host name in %s", async (url) => {
    const dns = fakeDns({});
    const transport = recordingTransport();
    const media = fetcher({ resolve: dns, fetchImpl: transport.fetchImpl });
    expect(await rejectionOf(media.fetch(url))).toEqual(refusal("is an internal name"));
    expect({ lookups: dns.lookups, calls: transport.calls }).toEqual({ lookups: [], calls: [] });
  });
});

describe("host names checked after resolving", () => {
  test.each([
    ["a private address", ["10.0.0.1"], "private"],
    ["the loopback address", ["127.0.0.1"], "loopback"],
    ["the metadata address", ["169.254.169.254"], "linkLocal"],
    ["an IPv4-mapped loopback address", ["::ffff:127.0.0.1"], "ipv4Mapped loopback"],
    ["an IPv6 unique-local address", ["fd00::5"], "uniqueLocal"],
    ["one public and one private address", ["93.184.216.34", "10.0.0.1"], "private"],
    ["one public IPv6 and one loopback address", ["2606:4700::6810:84e5", "::1"], "loopback"],
  ])("refuses a host that resolves to %s", async (_what, addresses, range) => {
    const dns = fakeDns({ "cdn.example.com": addresses });
    const transport = recordingTransport();
    const media = fetcher({ resolve: dns, fetchImpl: transport.fetchImpl });
    expect(await rejectionOf(media.fetch("https://cdn.example.com/a.jpg"))).toEqual(
      refusal(`cdn.example.com resolves to a non-public address (${range})`),
    );
    expect({ lookups: dns.lookups, calls: transport.calls }).toEqual({
      lookups: ["cdn.example.com"],
      calls: [],
    });
  });

  test("refuses a host that does not resolve, instead of skipping the check", async () => {
    const transport = recordingTransport();
    const media = fetcher({ resolve: fakeDns({}), fetchImpl: transport.fetchImpl });
    expect(await rejectionOf(media.fetch("https://nowhere.example.com/a.jpg"))).toEqual(
      refusal("could not resolve host nowhere.example.com"),
    );
    expect(transport.calls).toEqual([]);
  });

  test("refuses a host whose lookup returns no address or garbage", async () => {
    const transport = recordingTransport();
    const media = fetcher({
      resolve: fakeDns({ "empty.example.com": [], "odd.example.com": ["93.184.216.34", "not-an-ip"] }),
      fetchImpl: transport.fetchImpl,
    });
    expect([
      await rejectionOf(media.fetch("https://empty.example.com/a.jpg")),
      await rejectionOf(media.fetch("https://odd.example.com/a.jpg")),
    ]).toEqual([refusal("could not resolve host"), refusal("could not resolve host")]);
    expect(transport.calls).toEqual([]);
  });

  test("dials the checked public IPv4 address with the original Host header", async () => {
    const transport = recordingTransport(
      () =>
        new Response(SAMPLES.jpeg, {
          headers: {
            "content-type": "IMAGE/JPEG; q=1",
            "content-disposition": 'attachment; filename="cat.jpg"',
          },
        }),
    );
    const media = fetcher({
      resolve: fakeDns({ "cdn.example.com": ["93.184.216.34"] }),
      fetchImpl: transport.fetchImpl,
    });

    const result = await media.fetch("http://cdn.example.com:8080/img/a.jpg?size=large#frag");

    expect(result).toEqual({ bytes: SAMPLES.jpeg, mimeType: "image/jpeg", filename: "cat.jpg" });
    expect(transport.calls.map((c) => c.url)).toEqual(["http://93.184.216.34:8080/img/a.jpg?size=large"]);
    const init = transport.calls[0]?.init;
    expect({
      host: new Headers(init?.headers).get("host"),
      redirect: init?.redirect,
      tls: init?.tls,
      hasSignal: init?.signal instanceof AbortSignal,
    }).toEqual({ host: "cdn.example.com:8080", redirect: "manual", tls: undefined, hasSignal: true });
  });

  test("dials a public IPv6 address over https with the host name as TLS server name", async () => {
    const transport = recordingTransport();
    const media = fetcher({
      resolve: fakeDns({ "cdn.example.com": ["2606:4700::6810:84e5"] }),
      fetchImpl: transport.fetchImpl,
    });

    await media.fetch("https://cdn.example.com/a.jpg");

    const call = transport.calls[0];
    expect({
      url: call?.url,
      host: new Headers(call?.init?.headers).get("host"),
      tls: call?.init?.tls,
    }).toEqual({
      url: "https://[2606:4700::6810:84e5]/a.jpg",
      host: "cdn.example.com",
      tls: { servername: "cdn.example.com" },
    });
  });

  test("dials an IPv4-mapped public address as plain IPv4", async () => {
    const transport = recordingTransport();
    const media = fetcher({
      resolve: fakeDns({ "cdn.example.com": ["::ffff:93.184.216.34"] }),
      fetchImpl: transport.fetchImpl,
    });
    await media.fetch("http://cdn.example.com/a.jpg");
    expect(transport.calls.map((c) => c.url)).toEqual(["http://93.184.216.34/a.jpg"]);
  });

  test("reports a missing content type and file name as null", async () => {
    const transport = recordingTransport(() => new Response(SAMPLES.png));
    const media = fetcher({
      resolve: fakeDns({ "cdn.example.com": ["93.184.216.34"] }),
      fetchImpl: transport.fetchImpl,
    });
    expect(await media.fetch("http://cdn.example.com/")).toEqual({
      bytes: SAMPLES.png,
      mimeType: null,
      filename: null,
    });
  });

  test("accepts a public IP literal without a lookup", async () => {
    const dns = fakeDns({});
    const transport = recordingTransport();
    const media = fetcher({ resolve: dns, fetchImpl: transport.fetchImpl });
    await media.fetch("https://93.184.216.34/a.jpg");
    expect({
      lookups: dns.lookups,
      urls: transport.calls.map((c) => c.url),
      tls: transport.calls[0]?.init?.tls,
    }).toEqual({ lookups: [], urls: ["https://93.184.216.34/a.jpg"], tls: undefined });
  });
});

describe("fetching from a real server on loopback with allowPrivate", () => {
  function loopback(overrides: Partial<MediaFetcherOptions> = {}) {
    return fetcher({ allowPrivate: true, resolve: fakeDns({ "media.test": ["127.0.0.1"] }), ...overrides });
  }

  test("connects to the resolved IP and sends the original Host header", async () => {
    seen = [];
    const result = await loopback().fetch(`http://media.test:${server.port}/host`);
    expect(new TextDecoder().decode(result.bytes)).toBe(`host=media.test:${server.port}`);
    expect(seen).toEqual([{ path: "/host", host: `media.test:${server.port}` }]);
  });

  test("returns the bytes, the bare content type and the file name from the URL path", async () => {
    const result = await loopback().fetch(`http://media.test:${server.port}/files/report%20final.pdf`);
    expect(result).toEqual({ bytes: SAMPLES.pdf, mimeType: "application/pdf", filename: "report final.pdf" });
  });

  test("prefers the encoded file name of Content-Disposition", async () => {
    const result = await loopback().fetch(`http://media.test:${server.port}/download?id=7`);
    expect(result).toEqual({ bytes: SAMPLES.png, mimeType: "image/png", filename: "façade photo.png" });
  });

  test("strips path parts from a Content-Disposition file name", async () => {
    const result = await loopback().fetch(`http://media.test:${server.port}/download-plain`);
    expect(result.filename).toBe("scan.png");
  });

  test("fetches from an IP literal when private addresses are allowed", async () => {
    const result = await loopback().fetch(`http://127.0.0.1:${server.port}/files/report%20final.pdf`);
    expect(result.bytes).toEqual(SAMPLES.pdf);
  });

  test("verifies the certificate against the host name while dialling the IP over https", async () => {
    const trustTestCa = ((input: string | URL | Request, init?: BunFetchRequestInit) =>
      fetch(input, { ...init, tls: { ...init?.tls, ca: TEST_CERT } })) as typeof fetch;
    const media = loopback({
      resolve: fakeDns({ "media.test": ["127.0.0.1"], "other.test": ["127.0.0.1"] }),
      fetchImpl: trustTestCa,
    });

    const result = await media.fetch(`https://media.test:${tlsServer.port}/host`);
    expect(new TextDecoder().decode(result.bytes)).toBe(`host=media.test:${tlsServer.port}`);
    expect(await rejectionOf(media.fetch(`https://other.test:${tlsServer.port}/host`))).toEqual(
      failure("ERR_TLS_CERT_ALTNAME_INVALID"),
    );
  });

  test("tries the next resolved address when the first refuses the connection", async () => {
    const media = loopback({ resolve: fakeDns({ "media.test": ["127.0.0.2", "127.0.0.1"] }) });
    const closed = fetcher({ allowPrivate: true, resolve: fakeDns({ "media.test": ["127.0.0.1"] }) });
    // 127.0.0.2 is loopback on Linux but nothing listens there on this port.
    const result = await media.fetch(`http://media.test:${server.port}/files/report%20final.pdf`);
    expect(result.bytes).toEqual(SAMPLES.pdf);
    expect(await rejectionOf(closed.fetch(`http://media.test:${closedPort}/a.jpg`))).toEqual(
      failure("could not fetch media from media.test: ECONNREFUSED"),
    );
  });

  test("resolves with the system resolver when none is injected", async () => {
    const media = fetcher({ allowPrivate: true });
    const result = await media.fetch(`http://localhost:${server.port}/host`);
    expect(new TextDecoder().decode(result.bytes)).toBe(`host=localhost:${server.port}`);
  });

  test("does not follow a redirect", async () => {
    seen = [];
    expect(await rejectionOf(loopback().fetch(`http://media.test:${server.port}/moved`))).toEqual(
      failure("redirects are not followed (remote server answered 302)"),
    );
    expect(seen.map((s) => s.path)).toEqual(["/moved"]);
  });

  test("reports the status of a non-2xx answer", async () => {
    expect(await rejectionOf(loopback().fetch(`http://media.test:${server.port}/missing.jpg`))).toEqual(
      failure("remote server answered 404"),
    );
  });

  test("refuses an empty body", async () => {
    expect(await rejectionOf(loopback().fetch(`http://media.test:${server.port}/empty`))).toEqual(
      failure("empty body"),
    );
  });

  test("times out when the server never answers", async () => {
    const media = loopback({ timeoutMs: 150 });
    expect(await rejectionOf(media.fetch(`http://media.test:${server.port}/hang`))).toEqual(
      failure("timed out after 150 ms"),
    );
  });

  test("times out when the body stops arriving", async () => {
    const media = loopback({ timeoutMs: 150 });
    expect(await rejectionOf(media.fetch(`http://media.test:${server.port}/stall-body`))).toEqual(
      failure("timed out after 150 ms"),
    );
  });

  test("times out when the lookup never finishes", async () => {
    const media = fetcher({ timeoutMs: 100, resolve: () => new Promise<string[]>(() => {}) });
    expect(await rejectionOf(media.fetch("https://slow-dns.example.com/a.jpg"))).toEqual(
      failure("timed out after 100 ms"),
    );
  });

  test("refuses a body larger than the cap announced by Content-Length", async () => {
    const media = loopback({ maxBytes: 1024 });
    expect(await rejectionOf(media.fetch(`http://media.test:${server.port}/big-with-length`))).toEqual(
      failure("larger than 1024 bytes"),
    );
  });

  test("stops reading a streamed body without Content-Length once it passes the cap", async () => {
    const media = loopback({ maxBytes: 1024 });
    expect(await rejectionOf(media.fetch(`http://media.test:${server.port}/big-streamed`))).toEqual(
      failure("larger than 1024 bytes"),
    );
  });

  test("counts decompressed bytes, so a small gzip bomb is refused", async () => {
    const media = loopback({ maxBytes: 64 * 1024 });
    expect(await rejectionOf(media.fetch(`http://media.test:${server.port}/gzip-bomb`))).toEqual(
      failure("larger than 65536 bytes"),
    );
  });

  test("accepts a body of exactly the cap", async () => {
    const result = await loopback({ maxBytes: 1024 }).fetch(`http://media.test:${server.port}/exactly-1024`);
    expect(result.bytes.byteLength).toBe(1024);
  });
});

describe("filenameFromContentDisposition", () => {
  test.each([
    [`attachment; filename="fallback.png"; filename*=UTF-8''fa%C3%A7ade%20photo.png`, "façade photo.png"],
    [`attachment; filename*=iso-8859-1''caf%E9.png`, "café.png"],
    ['inline; filename="../../x/scan.png"', "scan.png"],
    // Raw UTF-8 bytes in a header arrive as latin1 characters.
    [`attachment; filename="${Buffer.from("niño.pdf").toString("latin1")}"`, "niño.pdf"],
    // Without a disposition type, as some servers send it.
    ['filename="sin-tipo.png"', "sin-tipo.png"],
    ["attachment", null],
  ])("%s → %s", (header, expected) => {
    expect(filenameFromContentDisposition(header)).toBe(expected);
  });
});
