import { createRoute, z } from "@hono/zod-openapi";
import QRCode from "qrcode";
import { normalizeNumber } from "../../../domain/numbers";
import { AppError } from "../../../errors";
import { adminOnly } from "../../auth";
import { bodyDoc, readBody } from "../../body";
import { createRouter } from "../../create-router";
import { commonErrors, IdParam, json, sendErrors } from "../../wire";

const ConnectionParam = IdParam("connectionId");
const StatusResponse = z.object({ message: z.string(), status: z.string() });
const PairingBody = z.object({ number: z.string().min(1) });

/** A connection's WhatsApp session: link by QR or pairing code, restart, log out. */
export const connectionSessionRouter = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/connections/{connectionId}/qrcode",
      tags: ["Connections"],
      summary: "The QR code to link a phone (admin)",
      description:
        "JSON `{status, qrcode}` (qrcode is the raw QR string while status is `qrcode`, else null). Ask with `Accept: image/png` or `Accept: image/svg+xml` for the QR drawn as an image (404 when there is none right now). WhatsApp rotates the QR about every 20 s: poll, or follow `connection_update` events.",
      middleware: [adminOnly] as const,
      request: { params: ConnectionParam },
      responses: {
        200: {
          description: "The QR, as JSON or as an image",
          content: {
            "application/json": {
              schema: z.object({ status: z.string(), qrcode: z.string().nullable() }),
              example: { status: "qrcode", qrcode: "2@Xb4…,QzEt…,Hk2s…,YmFz…" },
            },
            "image/png": { schema: { type: "string", format: "binary" } },
            "image/svg+xml": { schema: { type: "string" } },
          },
        },
        ...commonErrors,
      },
    }),
    async (c) => {
      const conn = await c.get("deps").services.connections.get(c.req.valid("param").connectionId);
      const qrcode = conn.status === "qrcode" ? conn.qrcode : null;
      const accept = c.req.header("accept") ?? "";
      const wantsPng = accept.includes("image/png");
      const wantsSvg = accept.includes("image/svg+xml");
      if (!wantsPng && !wantsSvg) return c.json({ status: conn.status, qrcode }, 200);
      if (!qrcode) throw new AppError("ERR_NOT_FOUND", `No QR code right now (status ${conn.status})`);
      const headers = { "cache-control": "no-store" };
      if (wantsPng) {
        const png = await QRCode.toBuffer(qrcode, { type: "png", margin: 2, width: 320 });
        return c.body(new Uint8Array(png), 200, { ...headers, "content-type": "image/png" });
      }
      const svg = await QRCode.toString(qrcode, { type: "svg", margin: 2 });
      return c.body(svg, 200, { ...headers, "content-type": "image/svg+xml" });
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/connections/{connectionId}/pairing-code",
      tags: ["Connections"],
      summary: "Link a phone with an 8-character code instead of a QR (admin)",
      description: "Type the code on the phone: WhatsApp > Linked devices > Link with phone number.",
      middleware: [adminOnly] as const,
      request: { params: ConnectionParam, body: bodyDoc(PairingBody, { number: "595981234567" }) },
      responses: {
        200: json(z.object({ code: z.string() }), "The pairing code", { code: "ABCD1234" }),
        ...sendErrors,
      },
    }),
    async (c) => {
      const body = await readBody(c, PairingBody);
      const number = normalizeNumber(body.number);
      const { services, sessions } = c.get("deps");
      const conn = await services.connections.get(c.req.valid("param").connectionId);
      const gw = sessions.get(conn.id);
      if (!gw)
        throw new AppError(
          "ERR_WAPP_NOT_CONNECTED",
          "The connection's session is not running: restart it first",
        );
      return c.json({ code: await gw.requestPairingCode(number) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/connections/{connectionId}/restart",
      tags: ["Connections"],
      summary: "Restart the connection's session (admin)",
      description: "Reconnects with the saved credentials, or starts a new QR when the phone is not linked.",
      middleware: [adminOnly] as const,
      request: { params: ConnectionParam },
      responses: {
        200: json(StatusResponse, "Restarted", { message: "Connection restarted", status: "OPENING" }),
        ...commonErrors,
      },
    }),
    async (c) => {
      const { services, sessions } = c.get("deps");
      const conn = await services.connections.get(c.req.valid("param").connectionId);
      await sessions.start(conn);
      return c.json(
        { message: "Connection restarted", status: (await services.connections.get(conn.id)).status },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/connections/{connectionId}/logout",
      tags: ["Connections"],
      summary: "Unlink the phone (admin)",
      description:
        "Logs the device out of WhatsApp and forgets its credentials; status becomes DISCONNECTED.",
      middleware: [adminOnly] as const,
      request: { params: ConnectionParam },
      responses: {
        200: json(StatusResponse, "Logged out", { message: "Connection logged out", status: "DISCONNECTED" }),
        ...commonErrors,
      },
    }),
    async (c) => {
      const { services, sessions } = c.get("deps");
      const conn = await services.connections.get(c.req.valid("param").connectionId);
      const gw = sessions.get(conn.id);
      if (gw) await gw.logout();
      else
        await services.connections.applyStatus(conn.id, "DISCONNECTED", {
          qrcode: null,
          reason: "logged out",
        });
      await sessions.stop(conn.id);
      return c.json(
        { message: "Connection logged out", status: (await services.connections.get(conn.id)).status },
        200,
      );
    },
  );
