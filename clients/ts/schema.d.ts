/**
 * Generated from Chasqui's /openapi.json by openapi-typescript — do not edit by hand.
 * Regenerate with `bun run client:generate` in the repository root.
 */

export interface paths {
    "/api/queue/list": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List queues (original API) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Queues by name */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example [
                         *       {
                         *         "id": 1,
                         *         "name": "Soporte",
                         *         "color": "#4CAF50"
                         *       },
                         *       {
                         *         "id": 2,
                         *         "name": "Ventas",
                         *         "color": "#2196F3"
                         *       }
                         *     ]
                         */
                        "application/json": {
                            color: string;
                            id: number;
                            name: string;
                        }[];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/send": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send to a number (original API)
         * @description Finds or creates the contact and its open/pending ticket on the connection (the default when whatsappId is omitted), then sends the text, the media from mediaUrl and each file in medias (caption on the first). closeTicket closes the ticket after sending. With `queue: true`, `sendAt` or `Prefer: respond-async` the message(s) are stored with status `queued` and the answer is 202; the send queue sends them (message_sent, or message_failed). Same body as /api/v1/send, status 200.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    "idempotency-key"?: string;
                    /** @description `respond-async`: queue the message(s) and answer 202, as `queue: true` does */
                    prefer?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "number": "595991234567",
                     *       "body": "Hola, te contactamos desde el sistema",
                     *       "whatsappId": 2,
                     *       "queueId": 1
                     *     }
                     */
                    "application/json": {
                        body?: string | null;
                        closeTicket?: boolean;
                        /** Format: date-time */
                        expiresAt?: string;
                        filename?: string | null;
                        medias?: string[];
                        mediaUrl?: string | null;
                        number: string;
                        ptt?: boolean;
                        queue?: boolean;
                        queueId?: number | null;
                        quotedMsg?: (({
                            id: string;
                        } & {
                            [key: string]: unknown;
                        }) | string) | null;
                        quotedMsgId?: string | null;
                        /** Format: date-time */
                        sendAt?: string;
                        tagsId?: number | null;
                        userId?: number | null;
                        whatsappId?: number | null;
                    };
                    "application/x-www-form-urlencoded": {
                        body?: string | null;
                        closeTicket?: boolean;
                        /** Format: date-time */
                        expiresAt?: string;
                        filename?: string | null;
                        medias?: string[];
                        mediaUrl?: string | null;
                        number: string;
                        ptt?: boolean;
                        queue?: boolean;
                        queueId?: number | null;
                        quotedMsg?: (({
                            id: string;
                        } & {
                            [key: string]: unknown;
                        }) | string) | null;
                        quotedMsgId?: string | null;
                        /** Format: date-time */
                        sendAt?: string;
                        tagsId?: number | null;
                        userId?: number | null;
                        whatsappId?: number | null;
                    };
                    "multipart/form-data": {
                        body?: string | null;
                        closeTicket?: boolean;
                        /** Format: date-time */
                        expiresAt?: string;
                        filename?: string | null;
                        medias?: string[];
                        mediaUrl?: string | null;
                        number: string;
                        ptt?: boolean;
                        queue?: boolean;
                        queueId?: number | null;
                        quotedMsg?: (({
                            id: string;
                        } & {
                            [key: string]: unknown;
                        }) | string) | null;
                        quotedMsgId?: string | null;
                        /** Format: date-time */
                        sendAt?: string;
                        tagsId?: number | null;
                        userId?: number | null;
                        whatsappId?: number | null;
                    };
                };
            };
            responses: {
                /** @description Sent */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            contactId: number;
                            data: components["schemas"]["SentMessage"][];
                            message: string;
                            ticketId: number;
                        };
                    };
                };
                /** @description Queued (queue, sendAt or Prefer: respond-async): data has status `queued` */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            contactId: number;
                            data: components["schemas"]["SentMessage"][];
                            message: string;
                            ticketId: number;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Connection not connected (ERR_WAPP_NOT_CONNECTED) or Idempotency-Key reused with another body */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is larger than MAX_JSON_BODY_KB, or a file than MAX_UPLOAD_MB (ERR_PAYLOAD_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description WhatsApp refused the message (ERR_SENDING_WAPP_MSG) or the media URL failed (ERR_MEDIA_FETCH_FAILED) */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/backup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Download a consistent backup (admin)
         * @description A snapshot of the database taken with SQLite's `VACUUM INTO` while the server keeps writing: every request answered before this one began is in it. Plain `application/vnd.sqlite3` (`chasqui-<time>.sqlite`), or with `media=true` an `application/x-tar` (`chasqui-<time>.tar`) holding `chasqui.sqlite` and `media/<file>…`. Restore either with `chasqui restore FILE` while the server is stopped.
         */
        get: {
            parameters: {
                query?: {
                    /** @description `true`: a tar of `chasqui.sqlite` and `media/…` instead of the database alone. Refused (400) when media are in an S3 bucket (MEDIA_S3_BUCKET): back the bucket up with its provider's tools */
                    media?: "true" | "false";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The backup, streamed */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /** @example SQLite format 3\u0000… (the database file) */
                        "application/vnd.sqlite3": string;
                        /** @example chasqui.sqlite, media/3f2a….jpg, … (a POSIX tar) */
                        "application/x-tar": string;
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The snapshot could not be written (ERR_SERVICE_UNAVAILABLE) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/connections/{connectionId}/move": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Move a connection to another node of the cluster (admin)
         * @description PostgreSQL only. Asks that the connection run on `node` (a live node, see `GET /admin/nodes`): its owner closes the socket and releases the lease, then only that node takes it and connects it with the stored credentials. Both nodes are told at once; one that cannot be reached does it at its next lease renewal or claim round (within a third of CLUSTER_LEASE_TTL_MS each). Answers 202 once the nodes were told; follow `GET /admin/nodes` or the `connection_update` events. Same as `chasqui nodes move`. A server on SQLite answers 409 ERR_NEEDS_POSTGRES.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connectionId: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "node": "app-2-7c01d4b9"
                     *     }
                     */
                    "application/json": {
                        node: string;
                    };
                    "application/x-www-form-urlencoded": {
                        node: string;
                    };
                    "multipart/form-data": {
                        node: string;
                    };
                };
            };
            responses: {
                /** @description The move is requested */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "connectionId": 3,
                         *       "node": "app-2-7c01d4b9",
                         *       "from": "app-1-3f9a2c1e",
                         *       "status": "requested"
                         *     }
                         */
                        "application/json": {
                            connectionId: number;
                            from: string | null;
                            node: string;
                            /** @enum {string} */
                            status: "requested";
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such connection (ERR_CONNECTION_NOT_FOUND) or node (ERR_NODE_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The node is not live (ERR_NODE_NOT_LIVE), or the server runs on SQLite: one node (ERR_NEEDS_POSTGRES) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/nodes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The nodes of the cluster and the connections each runs (admin)
         * @description On PostgreSQL (DATABASE_URL): every live node (heartbeat younger than CLUSTER_LEASE_TTL_MS) with its address, load (leases held) and connections, and the connections no live node runs (`unowned`); what `chasqui nodes` prints. On SQLite: the one node (`id` `local`), running the connections whose session is up; the others are `unowned`.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The cluster */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "database": "postgres",
                         *       "nodes": [
                         *         {
                         *           "id": "app-1-3f9a2c1e",
                         *           "address": "http://10.0.0.5:8080",
                         *           "self": true,
                         *           "load": 2,
                         *           "connections": [
                         *             1,
                         *             3
                         *           ],
                         *           "startedAt": "2026-12-02T08:00:00.000Z",
                         *           "heartbeatAt": "2026-12-02T09:15:04.120Z"
                         *         }
                         *       ],
                         *       "unowned": [
                         *         4
                         *       ]
                         *     }
                         */
                        "application/json": {
                            /** @enum {string} */
                            database: "postgres" | "sqlite";
                            nodes: components["schemas"]["ClusterNode"][];
                            unowned: number[];
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign in with email and password (the panel)
         * @description Sets the session cookie `chasqui_session` (HttpOnly, SameSite=Strict, Secure when the request or PUBLIC_URL is https, Path=/) and returns the user. The server stores only a SHA-256 of the cookie's secret.
         *
         *     The session ends after SESSION_IDLE_MINUTES (default 720) without a request, SESSION_MAX_HOURS (default 168) after sign-in, on logout, on a password change or reset, or when the user is disabled or deleted.
         *
         *     Failed sign-ins are limited per address (AUTH_FAIL_LIMIT a minute, shared with failed tokens) and per account (LOGIN_ACCOUNT_FAIL_LIMIT a minute, counted for unknown emails too): past either limit every attempt is 429 with Retry-After. A wrong password, an unknown email, a user without a password and a disabled user all get the same 401.
         *
         *     With the cookie, every write (POST, PUT, PATCH, DELETE) must come from the panel's origin: `Sec-Fetch-Site: same-origin` and/or an `Origin` of this server, else 403 ERR_CSRF. Requests with `Authorization: Bearer` are not affected.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "email": "ana@example.com",
                     *       "password": "correct horse battery"
                     *     }
                     */
                    "application/json": {
                        email: string;
                        password: string;
                    };
                    "application/x-www-form-urlencoded": {
                        email: string;
                        password: string;
                    };
                    "multipart/form-data": {
                        email: string;
                        password: string;
                    };
                };
            };
            responses: {
                /** @description Signed in; the cookie is set */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            session: components["schemas"]["Session"];
                            user: components["schemas"]["User"];
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Wrong email or password, or a user that may not sign in (ERR_INVALID_CREDENTIALS) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            message: string;
                        };
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign out: ends this session and clears the cookie
         * @description Always 200, also without a (valid) session.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Signed out */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "message": "Signed out"
                         *     }
                         */
                        "application/json": {
                            message: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who is calling: the signed-in user (role, queues) or the API token (scope) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The principal */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Principal"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Change my password
         * @description Needs the current password (a wrong one is 403 ERR_WRONG_PASSWORD and counts toward the per-account sign-in limit). Ends every other session of mine; this one stays. Signed-in users only (a token gets 403).
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "currentPassword": "old password",
                     *       "newPassword": "a new long password"
                     *     }
                     */
                    "application/json": {
                        currentPassword: string;
                        newPassword: string;
                    };
                    "application/x-www-form-urlencoded": {
                        currentPassword: string;
                        newPassword: string;
                    };
                    "multipart/form-data": {
                        currentPassword: string;
                        newPassword: string;
                    };
                };
            };
            responses: {
                /** @description Changed */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "message": "Password changed"
                         *     }
                         */
                        "application/json": {
                            message: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** My sessions (an admin may add ?all=true for everyone's) */
        get: {
            parameters: {
                query?: {
                    /** @description Admins: every user's sessions */
                    all?: "true" | "false";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Valid sessions, newest first */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Session"][];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/sessions/{sessionId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** End a session (mine; admins: anyone's) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    sessionId: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Ended */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "message": "Session ended"
                         *     }
                         */
                        "application/json": {
                            message: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connections": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List connections */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description All connections, by name */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ConnectionSummary"][];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a connection (admin)
         * @description driver `baileys` (default) links a real phone; `sandbox` is a simulated phone that connects at once. The first connection becomes the default.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "name": "WhatsApp Ventas",
                     *       "driver": "sandbox",
                     *       "number": "595982345678"
                     *     }
                     */
                    "application/json": {
                        agentSignature?: boolean;
                        /** @enum {string} */
                        driver?: "baileys" | "sandbox";
                        farewellMessage?: string | null;
                        greetingMessage?: string | null;
                        /** @enum {string} */
                        groups?: "ignore" | "tickets";
                        historyImportDays?: number;
                        isDefault?: boolean;
                        name: string;
                        number?: string | null;
                        pacingDailyCap?: number;
                        pacingJitterMs?: number;
                        pacingMinIntervalMs?: number;
                        pacingTyping?: boolean;
                        queueIds?: number[];
                        ratingMessage?: string | null;
                        sendReadReceipts?: boolean;
                    };
                    "application/x-www-form-urlencoded": {
                        agentSignature?: boolean;
                        /** @enum {string} */
                        driver?: "baileys" | "sandbox";
                        farewellMessage?: string | null;
                        greetingMessage?: string | null;
                        /** @enum {string} */
                        groups?: "ignore" | "tickets";
                        historyImportDays?: number;
                        isDefault?: boolean;
                        name: string;
                        number?: string | null;
                        pacingDailyCap?: number;
                        pacingJitterMs?: number;
                        pacingMinIntervalMs?: number;
                        pacingTyping?: boolean;
                        queueIds?: number[];
                        ratingMessage?: string | null;
                        sendReadReceipts?: boolean;
                    };
                    "multipart/form-data": {
                        agentSignature?: boolean;
                        /** @enum {string} */
                        driver?: "baileys" | "sandbox";
                        farewellMessage?: string | null;
                        greetingMessage?: string | null;
                        /** @enum {string} */
                        groups?: "ignore" | "tickets";
                        historyImportDays?: number;
                        isDefault?: boolean;
                        name: string;
                        number?: string | null;
                        pacingDailyCap?: number;
                        pacingJitterMs?: number;
                        pacingMinIntervalMs?: number;
                        pacingTyping?: boolean;
                        queueIds?: number[];
                        ratingMessage?: string | null;
                        sendReadReceipts?: boolean;
                    };
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Connection"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A unique field is taken (ERR_CONFLICT) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connections/{connectionId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Connection status and details */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connectionId: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The connection */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Connection"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** Update a connection (admin) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connectionId: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "name": "WhatsApp Soporte",
                     *       "isDefault": true
                     *     }
                     */
                    "application/json": {
                        agentSignature?: boolean;
                        /** @enum {string} */
                        driver?: "baileys" | "sandbox";
                        farewellMessage?: string | null;
                        greetingMessage?: string | null;
                        /** @enum {string} */
                        groups?: "ignore" | "tickets";
                        historyImportDays?: number;
                        isDefault?: boolean;
                        name?: string;
                        number?: string | null;
                        pacingDailyCap?: number;
                        pacingJitterMs?: number;
                        pacingMinIntervalMs?: number;
                        pacingTyping?: boolean;
                        queueIds?: number[];
                        ratingMessage?: string | null;
                        sendReadReceipts?: boolean;
                    };
                    "application/x-www-form-urlencoded": {
                        agentSignature?: boolean;
                        /** @enum {string} */
                        driver?: "baileys" | "sandbox";
                        farewellMessage?: string | null;
                        greetingMessage?: string | null;
                        /** @enum {string} */
                        groups?: "ignore" | "tickets";
                        historyImportDays?: number;
                        isDefault?: boolean;
                        name?: string;
                        number?: string | null;
                        pacingDailyCap?: number;
                        pacingJitterMs?: number;
                        pacingMinIntervalMs?: number;
                        pacingTyping?: boolean;
                        queueIds?: number[];
                        ratingMessage?: string | null;
                        sendReadReceipts?: boolean;
                    };
                    "multipart/form-data": {
                        agentSignature?: boolean;
                        /** @enum {string} */
                        driver?: "baileys" | "sandbox";
                        farewellMessage?: string | null;
                        greetingMessage?: string | null;
                        /** @enum {string} */
                        groups?: "ignore" | "tickets";
                        historyImportDays?: number;
                        isDefault?: boolean;
                        name?: string;
                        number?: string | null;
                        pacingDailyCap?: number;
                        pacingJitterMs?: number;
                        pacingMinIntervalMs?: number;
                        pacingTyping?: boolean;
                        queueIds?: number[];
                        ratingMessage?: string | null;
                        sendReadReceipts?: boolean;
                    };
                };
            };
            responses: {
                /** @description Updated */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Connection"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A unique field is taken (ERR_CONFLICT) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        /** Delete a connection and its tickets (admin) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connectionId: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "message": "Connection deleted successfully"
                         *     }
                         */
                        "application/json": {
                            message: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connections/{connectionId}/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Unlink the phone (admin)
         * @description Logs the device out of WhatsApp and forgets its credentials; status becomes DISCONNECTED.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connectionId: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Logged out */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "message": "Connection logged out",
                         *       "status": "DISCONNECTED"
                         *     }
                         */
                        "application/json": {
                            message: string;
                            status: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connections/{connectionId}/pairing-code": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Link a phone with an 8-character code instead of a QR (admin)
         * @description Type the code on the phone: WhatsApp > Linked devices > Link with phone number.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connectionId: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "number": "595981234567"
                     *     }
                     */
                    "application/json": {
                        number: string;
                    };
                    "application/x-www-form-urlencoded": {
                        number: string;
                    };
                    "multipart/form-data": {
                        number: string;
                    };
                };
            };
            responses: {
                /** @description The pairing code */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "code": "ABCD1234"
                         *     }
                         */
                        "application/json": {
                            code: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Connection not connected (ERR_WAPP_NOT_CONNECTED) or Idempotency-Key reused with another body */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is larger than MAX_JSON_BODY_KB, or a file than MAX_UPLOAD_MB (ERR_PAYLOAD_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description WhatsApp refused the message (ERR_SENDING_WAPP_MSG) or the media URL failed (ERR_MEDIA_FETCH_FAILED) */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connections/{connectionId}/qrcode": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The QR code to link a phone (admin)
         * @description JSON `{status, qrcode}` (qrcode is the raw QR string while status is `qrcode`, else null). Ask with `Accept: image/png` or `Accept: image/svg+xml` for the QR drawn as an image (404 when there is none right now). WhatsApp rotates the QR about every 20 s: poll, or follow `connection_update` events.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connectionId: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The QR, as JSON or as an image */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "status": "qrcode",
                         *       "qrcode": "2@Xb4…,QzEt…,Hk2s…,YmFz…"
                         *     }
                         */
                        "application/json": {
                            qrcode: string | null;
                            status: string;
                        };
                        "image/png": string;
                        "image/svg+xml": string;
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connections/{connectionId}/restart": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Restart the connection's session (admin)
         * @description Reconnects with the saved credentials, or starts a new QR when the phone is not linked.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connectionId: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Restarted */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "message": "Connection restarted",
                         *       "status": "OPENING"
                         *     }
                         */
                        "application/json": {
                            message: string;
                            status: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connections/{connectionId}/sandbox/inbound": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Inject an inbound message on a sandbox connection
         * @description Runs exactly the pipeline a real WhatsApp message runs: contact upsert with the push name, ticket find-or-create as pending, message stored, unread count, lastMessage and events. With `groupId` the message comes from a group (the connection needs `groups: tickets`). With `edit`, `delete` or `reactTo` (a message id) the customer edits, deletes for everyone or reacts instead (200; events message_updated, message_deleted, message_reaction). 409 ERR_NOT_SANDBOX on other drivers. In the sandbox every 8–15 digit number is on WhatsApp except those ending in 0000.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connectionId: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "number": "595991234567",
                     *       "name": "Juan Pérez",
                     *       "body": "Hola, necesito ayuda"
                     *     }
                     */
                    "application/json": {
                        body?: string | null;
                        delete?: string | null;
                        edit?: string | null;
                        emoji?: string | null;
                        filename?: string | null;
                        fromMe?: boolean;
                        groupId?: string | null;
                        groupName?: string | null;
                        mediaUrl?: string | null;
                        name?: string | null;
                        number: string;
                        ptt?: boolean;
                        quotedMsgId?: string | null;
                        reactTo?: string | null;
                    };
                    "application/x-www-form-urlencoded": {
                        body?: string | null;
                        delete?: string | null;
                        edit?: string | null;
                        emoji?: string | null;
                        filename?: string | null;
                        fromMe?: boolean;
                        groupId?: string | null;
                        groupName?: string | null;
                        mediaUrl?: string | null;
                        name?: string | null;
                        number: string;
                        ptt?: boolean;
                        quotedMsgId?: string | null;
                        reactTo?: string | null;
                    };
                    "multipart/form-data": {
                        body?: string | null;
                        delete?: string | null;
                        edit?: string | null;
                        emoji?: string | null;
                        filename?: string | null;
                        fromMe?: boolean;
                        groupId?: string | null;
                        groupName?: string | null;
                        mediaUrl?: string | null;
                        name?: string | null;
                        number: string;
                        ptt?: boolean;
                        quotedMsgId?: string | null;
                        reactTo?: string | null;
                    };
                };
            };
            responses: {
                /** @description An edit, delete or reaction applied to messageId */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "messageId": "3EB0C0FFEE1234567890AB",
                         *       "ticketId": 1,
                         *       "contactId": 1
                         *     }
                         */
                        "application/json": {
                            contactId: number;
                            messageId: string;
                            ticketId: number;
                        };
                    };
                };
                /** @description Received */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "messageId": "3EB0C0FFEE1234567890AB",
                         *       "ticketId": 1,
                         *       "contactId": 1
                         *     }
                         */
                        "application/json": {
                            contactId: number;
                            messageId: string;
                            ticketId: number;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Connection not connected (ERR_WAPP_NOT_CONNECTED) or Idempotency-Key reused with another body */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is larger than MAX_JSON_BODY_KB, or a file than MAX_UPLOAD_MB (ERR_PAYLOAD_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description WhatsApp refused the message (ERR_SENDING_WAPP_MSG) or the media URL failed (ERR_MEDIA_FETCH_FAILED) */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connections/{connectionId}/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List a connection's webhooks (admin)
         * @description By id. Whole, or one page with `limit` / `after` (cursor in `X-Next-Cursor`).
         */
        get: {
            parameters: {
                query?: {
                    /** @description Keyset pagination: the `X-Next-Cursor` header of the previous page */
                    after?: string;
                    /** @description Read one page of at most this many (1–100; 20 when only `after` is given) instead of the whole list; the next page's cursor is in the `X-Next-Cursor` header */
                    limit?: number;
                };
                header?: never;
                path: {
                    connectionId: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The webhooks (or the page asked for); secrets are never shown */
                200: {
                    headers: {
                        /** @description Only with `limit` or `after`, and only when more rows follow: pass it as `after=` to read the next page */
                        "X-Next-Cursor"?: string;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Webhook"][];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Add a webhook (admin)
         * @description events: any of message_received, message_sent, message_ack, connection_update, ticket_created, ticket_updated, ticket_closed, contact_created, contact_updated, message_updated, message_deleted, message_reaction, message_failed; empty means all. Without a secret one is generated (`whsec_…`) and returned once, in this response only.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connectionId: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "url": "https://example.com/hooks/whatsapp",
                     *       "enabled": true,
                     *       "events": [
                     *         "message_received"
                     *       ]
                     *     }
                     */
                    "application/json": {
                        /** @default true */
                        enabled?: boolean;
                        /** @default [] */
                        events?: ("message_received" | "message_sent" | "message_ack" | "connection_update" | "ticket_created" | "ticket_updated" | "ticket_closed" | "contact_created" | "contact_updated" | "message_updated" | "message_deleted" | "message_reaction" | "message_failed")[];
                        secret?: string | null;
                        url: string;
                    };
                    "application/x-www-form-urlencoded": {
                        /** @default true */
                        enabled?: boolean;
                        /** @default [] */
                        events?: ("message_received" | "message_sent" | "message_ack" | "connection_update" | "ticket_created" | "ticket_updated" | "ticket_closed" | "contact_created" | "contact_updated" | "message_updated" | "message_deleted" | "message_reaction" | "message_failed")[];
                        secret?: string | null;
                        url: string;
                    };
                    "multipart/form-data": {
                        /** @default true */
                        enabled?: boolean;
                        /** @default [] */
                        events?: ("message_received" | "message_sent" | "message_ack" | "connection_update" | "ticket_created" | "ticket_updated" | "ticket_closed" | "contact_created" | "contact_updated" | "message_updated" | "message_deleted" | "message_reaction" | "message_failed")[];
                        secret?: string | null;
                        url: string;
                    };
                };
            };
            responses: {
                /** @description Created, with its secret */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Webhook"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connections/{connectionId}/webhooks/{webhookId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Update a webhook (admin) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connectionId: number;
                    webhookId: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "enabled": false
                     *     }
                     */
                    "application/json": {
                        enabled?: boolean;
                        events?: ("message_received" | "message_sent" | "message_ack" | "connection_update" | "ticket_created" | "ticket_updated" | "ticket_closed" | "contact_created" | "contact_updated" | "message_updated" | "message_deleted" | "message_reaction" | "message_failed")[];
                        secret?: string | null;
                        url?: string;
                    };
                    "application/x-www-form-urlencoded": {
                        enabled?: boolean;
                        events?: ("message_received" | "message_sent" | "message_ack" | "connection_update" | "ticket_created" | "ticket_updated" | "ticket_closed" | "contact_created" | "contact_updated" | "message_updated" | "message_deleted" | "message_reaction" | "message_failed")[];
                        secret?: string | null;
                        url?: string;
                    };
                    "multipart/form-data": {
                        enabled?: boolean;
                        events?: ("message_received" | "message_sent" | "message_ack" | "connection_update" | "ticket_created" | "ticket_updated" | "ticket_closed" | "contact_created" | "contact_updated" | "message_updated" | "message_deleted" | "message_reaction" | "message_failed")[];
                        secret?: string | null;
                        url?: string;
                    };
                };
            };
            responses: {
                /** @description Updated */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Webhook"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        /** Delete a webhook (admin) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connectionId: number;
                    webhookId: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "message": "Webhook deleted successfully"
                         *     }
                         */
                        "application/json": {
                            message: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connections/{connectionId}/webhooks/{webhookId}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a signed `ping` to a webhook now (admin)
         * @description Sends `{event: "ping", …}` with the usual headers and signature, outside the outbox (no retries), even to a disabled webhook, and returns what the receiver answered. A URL whose address the policy refuses (private, loopback, link-local… unless WEBHOOK_ALLOW_PRIVATE or WEBHOOK_ALLOWED_HOSTS allow it) is 400 ERR_INVALID_WEBHOOK_URL, and nothing is sent.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connectionId: number;
                    webhookId: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The receiver's answer */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["WebhookTestResult"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/contacts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List contacts
         * @description By name. `search` matches part of the name or of the number, ignoring case and diacritics ("maria" finds "María"); several words must all match. Page with `page` (offset) or `after=<nextCursor>` (keyset).
         */
        get: {
            parameters: {
                query?: {
                    /** @description Keyset pagination: the `nextCursor` of the previous page. Reads the rows after it at the cost of one page, at any depth; `page` is then not used. */
                    after?: string;
                    limit?: number;
                    page?: number;
                    /** @description Part of the name (any case, diacritics ignored) or of the number */
                    search?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of contacts */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            contacts: components["schemas"]["Contact"][];
                            count: number;
                            hasMore: boolean;
                            limit: number;
                            /**
                             * @description Pass as `after=` to read the next page (keyset); null on the last page
                             * @example WyJ0aWNrZXRzIiwxNzMzMDUwMDAwMDAwLDQyXQ
                             */
                            nextCursor: string | null;
                            page: number;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create or update a contact
         * @description Upsert by number: creates the contact (201) or updates its name and email (200). When a connection is connected the number is first checked on WhatsApp (400 ERR_WAPP_INVALID_CONTACT when it is not there).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "number": "595991234567",
                     *       "name": "María García",
                     *       "email": "maria@example.com"
                     *     }
                     */
                    "application/json": {
                        email?: (string | "") | null;
                        name?: string | null;
                        number: string;
                        whatsappId?: number | null;
                    };
                    "application/x-www-form-urlencoded": {
                        email?: (string | "") | null;
                        name?: string | null;
                        number: string;
                        whatsappId?: number | null;
                    };
                    "multipart/form-data": {
                        email?: (string | "") | null;
                        name?: string | null;
                        number: string;
                        whatsappId?: number | null;
                    };
                };
            };
            responses: {
                /** @description Updated */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            contact: components["schemas"]["Contact"];
                            message: string;
                        };
                    };
                };
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            contact: components["schemas"]["Contact"];
                            message: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Connection not connected (ERR_WAPP_NOT_CONNECTED) or Idempotency-Key reused with another body */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is larger than MAX_JSON_BODY_KB, or a file than MAX_UPLOAD_MB (ERR_PAYLOAD_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description WhatsApp refused the message (ERR_SENDING_WAPP_MSG) or the media URL failed (ERR_MEDIA_FETCH_FAILED) */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/contacts/{number}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a contact by number */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    number: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The contact */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Contact"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /**
         * Delete a contact; with purge=true erase everything about it (admin)
         * @description A contact without tickets is deleted. One with tickets answers 409 ERR_CONFLICT unless `purge=true`, which erases the contact, its tickets, their messages and reactions, and their media files (GDPR erasure). No event is emitted. Events already stored (webhook payloads, the event feed) keep their copy until EVENT_RETENTION_HOURS / WEBHOOK_RETENTION_DAYS.
         */
        delete: {
            parameters: {
                query?: {
                    /** @description `true`: also erase the contact's tickets, messages, reactions and media files */
                    purge?: "true" | "false";
                };
                header?: never;
                path: {
                    number: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "message": "Contact deleted successfully",
                         *       "deleted": {
                         *         "tickets": 2,
                         *         "messages": 120,
                         *         "mediaFiles": 7
                         *       }
                         *     }
                         */
                        "application/json": {
                            deleted: {
                                mediaFiles: number;
                                messages: number;
                                tickets: number;
                            };
                            message: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The contact has tickets and `purge=true` was not given (ERR_CONFLICT) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/contacts/{number}/notes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List a contact's notes
         * @description Internal notes, newest first; never sent to WhatsApp.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    number: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The notes, newest first */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            notes: components["schemas"]["ContactNote"][];
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Add a note to a contact */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    number: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "body": "Prefiere que lo llamen por la tarde",
                     *       "userId": 2
                     *     }
                     */
                    "application/json": {
                        body: string;
                        userId?: number | null;
                    };
                    "application/x-www-form-urlencoded": {
                        body: string;
                        userId?: number | null;
                    };
                    "multipart/form-data": {
                        body: string;
                        userId?: number | null;
                    };
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ContactNote"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/contacts/{number}/notes/{noteId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Edit a note's text
         * @description The author stays.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    noteId: number;
                    number: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "body": "Llamar después de las 15 h"
                     *     }
                     */
                    "application/json": {
                        body: string;
                    };
                    "application/x-www-form-urlencoded": {
                        body: string;
                    };
                    "multipart/form-data": {
                        body: string;
                    };
                };
            };
            responses: {
                /** @description Updated */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ContactNote"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        /** Delete a note */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    noteId: number;
                    number: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "message": "Note deleted successfully"
                         *     }
                         */
                        "application/json": {
                            message: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/contacts/validate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Check whether a number is on WhatsApp
         * @description Always 200 with `valid`; 409 ERR_WAPP_NOT_CONNECTED when the connection cannot check.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "number": "595991234567",
                     *       "whatsappId": 2
                     *     }
                     */
                    "application/json": {
                        number: string;
                        whatsappId?: number | null;
                    };
                    "application/x-www-form-urlencoded": {
                        number: string;
                        whatsappId?: number | null;
                    };
                    "multipart/form-data": {
                        number: string;
                        whatsappId?: number | null;
                    };
                };
            };
            responses: {
                /** @description The result of the check */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "valid": true,
                         *       "number": "595991234567",
                         *       "profilePicUrl": "https://pps.whatsapp.net/v/t61/abc.jpg"
                         *     }
                         */
                        "application/json": {
                            number: string;
                            profilePicUrl: string | null;
                            valid: boolean;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Connection not connected (ERR_WAPP_NOT_CONNECTED) or Idempotency-Key reused with another body */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is larger than MAX_JSON_BODY_KB, or a file than MAX_UPLOAD_MB (ERR_PAYLOAD_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description WhatsApp refused the message (ERR_SENDING_WAPP_MSG) or the media URL failed (ERR_MEDIA_FETCH_FAILED) */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/dashboard": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Helpdesk figures per queue and per agent
         * @description Open and pending tickets now, tickets closed today and this week, and in [from, to) the number closed and the median first-response and resolution times, per queue and per agent (the ticket's assigned user). Every queue and user is listed, with zeros when idle.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Start of the window for `closed` and the medians (default: this week's Monday 00:00 in `tz`) */
                    from?: string;
                    /** @description End of the window, exclusive (default: now) */
                    to?: string;
                    /** @description IANA time zone for today, this week and the default window (default: the server's zone) */
                    tz?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The figures */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Dashboard"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Catch-up feed of stored events, in order
         * @description Lets a consumer that was down read every event it missed without waiting for webhook retries: page with `after=<nextAfter>` until `hasMore` is false. Events are kept EVENT_RETENTION_HOURS (24 h), longer while a webhook delivery of theirs is kept; an unknown or pruned `after` gives 404. Signed-in agents get 403 (the feed shows every ticket; their stream is filtered).
         */
        get: {
            parameters: {
                query?: {
                    /** @description Return events stored after this one; omit to start from the oldest kept */
                    after?: string;
                    connectionId?: number;
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Events after `after`, oldest first */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            events: components["schemas"]["StoredEvent"][];
                            hasMore: boolean;
                            nextAfter: string | null;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events/stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Live stream of events (Server-Sent Events)
         * @description The events webhooks carry, as they are stored, over one long-lived `text/event-stream` response: an alternative to webhooks for clients that can keep a connection open.
         *
         *     Each event is `id: <event id>`, `event: <event name>`, `data: <the webhook envelope as JSON>` — the same body and id (`webhook-id`) a webhook receives.
         *
         *     Resume: send `Last-Event-ID: <event id>` (EventSource does it on reconnect) or `?lastEventId=` and every stored event after it is replayed first, in order; an id that is unknown or already pruned (EVENT_RETENTION_HOURS) gives an `event: reset` first and then live events only, so re-read state with the REST API.
         *
         *     A client that falls 1,000 events behind (it does not read) gets an `event: reset` and the stream ends: reconnect with `Last-Event-ID` to catch up from the stored events.
         *
         *     Auth: `Authorization: Bearer <token>` or, for EventSource, `?access_token=<token>`. A `: ping` comment is sent every 15 s.
         */
        get: {
            parameters: {
                query?: {
                    /** @description The API token, for clients that cannot send headers (the browser's EventSource). Accepted on this route only. */
                    access_token?: string;
                    connectionId?: number;
                    /** @description Comma-separated event names to receive; omit for all */
                    event?: string;
                    /** @description Resume after this event id on the first connection (EventSource sends the `Last-Event-ID` header itself when it reconnects; the header wins) */
                    lastEventId?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description An endless stream of events */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example id: evt_019384a2b1c0f3e2d1a0b9
                         *     event: message_received
                         *     data: {"event":"message_received","timestamp":"2024-12-01T10:30:00.000Z","connectionId":1,"connectionName":"WhatsApp Principal","connectionNumber":"595981234567","data":{"messageId":"3EB0ABC123","body":"Hola"}}
                         */
                        "text/event-stream": string;
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The token making this request
         * @description Its name and scope. `tokenId` is null for the API_TOKEN of the environment, which is not stored, and for a signed-in user (scope `admin` for role admin, else `api`; GET /auth/me tells more).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Who is calling */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "tokenId": 2,
                         *       "name": "n8n",
                         *       "scope": "api"
                         *     }
                         */
                        "application/json": {
                            name: string;
                            /** @enum {string} */
                            scope: "admin" | "api";
                            tokenId: number | null;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List queued and scheduled messages
         * @description The send queue: messages stored with `queue`, `sendAt` or `Prefer: respond-async` that have not gone out yet, next due first (by `sendAt`). Cancel one with DELETE /messages/{messageId}. Signed-in agents get 403 (it spans every ticket).
         */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    page?: number;
                    /** @description `queued` (waiting, scheduled included) or `sending` (handed to WhatsApp now) */
                    status?: "queued" | "sending";
                    /** @description Only this connection's queue */
                    whatsappId?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of the queue */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            count: number;
                            hasMore: boolean;
                            limit: number;
                            messages: components["schemas"]["Message"][];
                            page: number;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/messages/{messageId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Edit a text message we sent
         * @description WhatsApp allows editing for 15 minutes after sending (then 422 ERR_EDIT_WINDOW_EXPIRED). The customer's phone shows the new text marked as edited; `previousBody` keeps the old one. Emits `message_updated`.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    messageId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "body": "Gracias, ya lo revisamos"
                     *     }
                     */
                    "application/json": {
                        body: string;
                    };
                    "application/x-www-form-urlencoded": {
                        body: string;
                    };
                    "multipart/form-data": {
                        body: string;
                    };
                };
            };
            responses: {
                /** @description Edited */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: components["schemas"]["Message"];
                            message: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not connected (ERR_WAPP_NOT_CONNECTED), not a message we sent (ERR_MESSAGE_NOT_OURS), not a text (ERR_MESSAGE_NOT_EDITABLE) or already deleted (ERR_MESSAGE_DELETED) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Past WhatsApp's window: 15 min to edit (ERR_EDIT_WINDOW_EXPIRED), 2 days to delete (ERR_DELETE_WINDOW_EXPIRED) */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description WhatsApp refused the change (ERR_SENDING_WAPP_MSG) */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        /**
         * Delete a message we sent, for everyone; or cancel a queued one
         * @description WhatsApp allows it for about two days after sending (then 422 ERR_DELETE_WINDOW_EXPIRED). The message stays stored with `isDeleted: true` and its body. Deleting again answers 200. Emits `message_deleted`. A message still `queued` is cancelled instead: it becomes `failed` with error ERR_MESSAGE_CANCELLED and emits `message_failed`; one the queue is sending now is 409 ERR_MESSAGE_SENDING, one that failed 409 ERR_MESSAGE_NOT_SENT.
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    messageId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted for everyone */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: components["schemas"]["Message"];
                            message: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not connected (ERR_WAPP_NOT_CONNECTED), not a message we sent (ERR_MESSAGE_NOT_OURS), not a text (ERR_MESSAGE_NOT_EDITABLE) or already deleted (ERR_MESSAGE_DELETED) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Past WhatsApp's window: 15 min to edit (ERR_EDIT_WINDOW_EXPIRED), 2 days to delete (ERR_DELETE_WINDOW_EXPIRED) */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description WhatsApp refused the change (ERR_SENDING_WAPP_MSG) */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/messages/{messageId}/reactions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * React to a message
         * @description One reaction per person: a new emoji replaces ours, an empty `emoji` removes it. Emits `message_reaction`.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    messageId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "emoji": "👍"
                     *     }
                     */
                    "application/json": {
                        emoji: string;
                    };
                    "application/x-www-form-urlencoded": {
                        emoji: string;
                    };
                    "multipart/form-data": {
                        emoji: string;
                    };
                };
            };
            responses: {
                /** @description Reacted */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: components["schemas"]["Message"];
                            message: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not connected (ERR_WAPP_NOT_CONNECTED), not a message we sent (ERR_MESSAGE_NOT_OURS), not a text (ERR_MESSAGE_NOT_EDITABLE) or already deleted (ERR_MESSAGE_DELETED) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Past WhatsApp's window: 15 min to edit (ERR_EDIT_WINDOW_EXPIRED), 2 days to delete (ERR_DELETE_WINDOW_EXPIRED) */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description WhatsApp refused the change (ERR_SENDING_WAPP_MSG) */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/messages/{messageId}/reply": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Reply to a message, quoting it */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Repeat-safe sends: the same key within 24 h returns the first response and sends nothing */
                    "idempotency-key"?: string;
                    /** @description `respond-async`: queue the message(s) and answer 202, as `queue: true` does */
                    prefer?: string;
                };
                path: {
                    messageId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "body": "Esta es mi respuesta a tu mensaje"
                     *     }
                     */
                    "application/json": {
                        body?: string | null;
                        /** Format: date-time */
                        expiresAt?: string;
                        filename?: string | null;
                        medias?: string[];
                        mediaUrl?: string | null;
                        ptt?: boolean;
                        queue?: boolean;
                        /** Format: date-time */
                        sendAt?: string;
                    };
                    "application/x-www-form-urlencoded": {
                        body?: string | null;
                        /** Format: date-time */
                        expiresAt?: string;
                        filename?: string | null;
                        medias?: string[];
                        mediaUrl?: string | null;
                        ptt?: boolean;
                        queue?: boolean;
                        /** Format: date-time */
                        sendAt?: string;
                    };
                    "multipart/form-data": {
                        body?: string | null;
                        /** Format: date-time */
                        expiresAt?: string;
                        filename?: string | null;
                        medias?: string[];
                        mediaUrl?: string | null;
                        ptt?: boolean;
                        queue?: boolean;
                        /** Format: date-time */
                        sendAt?: string;
                    };
                };
            };
            responses: {
                /** @description Sent */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: components["schemas"]["SentMessage"][];
                            message: string;
                            ticketId: number;
                        };
                    };
                };
                /** @description Queued (queue, sendAt or Prefer: respond-async): each message has status `queued` */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: components["schemas"]["SentMessage"][];
                            message: string;
                            ticketId: number;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Connection not connected (ERR_WAPP_NOT_CONNECTED) or Idempotency-Key reused with another body */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is larger than MAX_JSON_BODY_KB, or a file than MAX_UPLOAD_MB (ERR_PAYLOAD_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description WhatsApp refused the message (ERR_SENDING_WAPP_MSG) or the media URL failed (ERR_MEDIA_FETCH_FAILED) */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/messages/search": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Search message text
         * @description Messages whose body matches, newest first, each with its ticket and the ticket's contact (to open the conversation). `contact` is the sender, as in the ticket's message list.
         */
        get: {
            parameters: {
                query: {
                    limit?: number;
                    page?: number;
                    /** @description Words the body must all hold (any case, diacritics ignored, the last word as a prefix); operators and quotes are plain text */
                    q: string;
                    /** @description Only this ticket's messages */
                    ticketId?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of matching messages */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            count: number;
                            hasMore: boolean;
                            limit: number;
                            messages: (components["schemas"]["Message"] & {
                                ticket: {
                                    contact: {
                                        id: number;
                                        name: string;
                                        number: string;
                                    };
                                    id: number;
                                    /** @enum {string} */
                                    status: "pending" | "open" | "closed";
                                };
                            })[];
                            page: number;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/queues": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List queues
         * @description By name (then id). Whole, or one page with `limit` / `after` (cursor in `X-Next-Cursor`).
         */
        get: {
            parameters: {
                query?: {
                    /** @description Keyset pagination: the `X-Next-Cursor` header of the previous page */
                    after?: string;
                    /** @description Read one page of at most this many (1–100; 20 when only `after` is given) instead of the whole list; the next page's cursor is in the `X-Next-Cursor` header */
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description All queues by name, or the page asked for */
                200: {
                    headers: {
                        /** @description Only with `limit` or `after`, and only when more rows follow: pass it as `after=` to read the next page */
                        "X-Next-Cursor"?: string;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Queue"][];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create a queue (admin) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "name": "Soporte",
                     *       "color": "#4CAF50",
                     *       "schedule": {
                     *         "mon": [
                     *           {
                     *             "start": "09:00",
                     *             "end": "18:00"
                     *           }
                     *         ]
                     *       },
                     *       "timeZone": "America/Asuncion",
                     *       "outOfHoursMessage": "Estamos cerrados; te respondemos mañana desde las 9:00."
                     *     }
                     */
                    "application/json": {
                        color: string;
                        greetingMessage?: string | null;
                        name: string;
                        outOfHoursMessage?: string | null;
                        schedule?: {
                            fri?: {
                                end: string;
                                start: string;
                            }[];
                            mon?: {
                                end: string;
                                start: string;
                            }[];
                            sat?: {
                                end: string;
                                start: string;
                            }[];
                            sun?: {
                                end: string;
                                start: string;
                            }[];
                            thu?: {
                                end: string;
                                start: string;
                            }[];
                            tue?: {
                                end: string;
                                start: string;
                            }[];
                            wed?: {
                                end: string;
                                start: string;
                            }[];
                        } | null;
                        timeZone?: string | null;
                    };
                    "application/x-www-form-urlencoded": {
                        color: string;
                        greetingMessage?: string | null;
                        name: string;
                        outOfHoursMessage?: string | null;
                        schedule?: {
                            fri?: {
                                end: string;
                                start: string;
                            }[];
                            mon?: {
                                end: string;
                                start: string;
                            }[];
                            sat?: {
                                end: string;
                                start: string;
                            }[];
                            sun?: {
                                end: string;
                                start: string;
                            }[];
                            thu?: {
                                end: string;
                                start: string;
                            }[];
                            tue?: {
                                end: string;
                                start: string;
                            }[];
                            wed?: {
                                end: string;
                                start: string;
                            }[];
                        } | null;
                        timeZone?: string | null;
                    };
                    "multipart/form-data": {
                        color: string;
                        greetingMessage?: string | null;
                        name: string;
                        outOfHoursMessage?: string | null;
                        schedule?: {
                            fri?: {
                                end: string;
                                start: string;
                            }[];
                            mon?: {
                                end: string;
                                start: string;
                            }[];
                            sat?: {
                                end: string;
                                start: string;
                            }[];
                            sun?: {
                                end: string;
                                start: string;
                            }[];
                            thu?: {
                                end: string;
                                start: string;
                            }[];
                            tue?: {
                                end: string;
                                start: string;
                            }[];
                            wed?: {
                                end: string;
                                start: string;
                            }[];
                        } | null;
                        timeZone?: string | null;
                    };
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Queue"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A unique field is taken (ERR_CONFLICT) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/queues/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a queue */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The queue */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Queue"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** Update a queue (admin) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "name": "Soporte",
                     *       "color": "#4CAF50",
                     *       "schedule": {
                     *         "mon": [
                     *           {
                     *             "start": "09:00",
                     *             "end": "18:00"
                     *           }
                     *         ]
                     *       },
                     *       "timeZone": "America/Asuncion",
                     *       "outOfHoursMessage": "Estamos cerrados; te respondemos mañana desde las 9:00."
                     *     }
                     */
                    "application/json": {
                        color?: string;
                        greetingMessage?: string | null;
                        name?: string;
                        outOfHoursMessage?: string | null;
                        schedule?: {
                            fri?: {
                                end: string;
                                start: string;
                            }[];
                            mon?: {
                                end: string;
                                start: string;
                            }[];
                            sat?: {
                                end: string;
                                start: string;
                            }[];
                            sun?: {
                                end: string;
                                start: string;
                            }[];
                            thu?: {
                                end: string;
                                start: string;
                            }[];
                            tue?: {
                                end: string;
                                start: string;
                            }[];
                            wed?: {
                                end: string;
                                start: string;
                            }[];
                        } | null;
                        timeZone?: string | null;
                    };
                    "application/x-www-form-urlencoded": {
                        color?: string;
                        greetingMessage?: string | null;
                        name?: string;
                        outOfHoursMessage?: string | null;
                        schedule?: {
                            fri?: {
                                end: string;
                                start: string;
                            }[];
                            mon?: {
                                end: string;
                                start: string;
                            }[];
                            sat?: {
                                end: string;
                                start: string;
                            }[];
                            sun?: {
                                end: string;
                                start: string;
                            }[];
                            thu?: {
                                end: string;
                                start: string;
                            }[];
                            tue?: {
                                end: string;
                                start: string;
                            }[];
                            wed?: {
                                end: string;
                                start: string;
                            }[];
                        } | null;
                        timeZone?: string | null;
                    };
                    "multipart/form-data": {
                        color?: string;
                        greetingMessage?: string | null;
                        name?: string;
                        outOfHoursMessage?: string | null;
                        schedule?: {
                            fri?: {
                                end: string;
                                start: string;
                            }[];
                            mon?: {
                                end: string;
                                start: string;
                            }[];
                            sat?: {
                                end: string;
                                start: string;
                            }[];
                            sun?: {
                                end: string;
                                start: string;
                            }[];
                            thu?: {
                                end: string;
                                start: string;
                            }[];
                            tue?: {
                                end: string;
                                start: string;
                            }[];
                            wed?: {
                                end: string;
                                start: string;
                            }[];
                        } | null;
                        timeZone?: string | null;
                    };
                };
            };
            responses: {
                /** @description Updated */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Queue"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A unique field is taken (ERR_CONFLICT) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        /** Delete a queue (admin) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "message": "Queue deleted successfully"
                         *     }
                         */
                        "application/json": {
                            message: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/quick-answers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List quick answers
         * @description By shortcut. Any token reads them; admin tokens write them.
         */
        get: {
            parameters: {
                query?: {
                    /** @description The start of the shortcut (any case), for the `/` autocomplete */
                    search?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Quick answers by shortcut */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            quickAnswers: components["schemas"]["QuickAnswer"][];
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a quick answer (admin)
         * @description 409 ERR_CONFLICT when the shortcut (any case) is taken.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "shortcut": "gracias",
                     *       "message": "¡Gracias por escribirnos!"
                     *     }
                     */
                    "application/json": {
                        mediaUrl?: string | null;
                        message: string;
                        shortcut: string;
                    };
                    "application/x-www-form-urlencoded": {
                        mediaUrl?: string | null;
                        message: string;
                        shortcut: string;
                    };
                    "multipart/form-data": {
                        mediaUrl?: string | null;
                        message: string;
                        shortcut: string;
                    };
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["QuickAnswer"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A unique field is taken (ERR_CONFLICT) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/quick-answers/{quickAnswerId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a quick answer */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    quickAnswerId: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The quick answer */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["QuickAnswer"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /**
         * Update a quick answer (admin)
         * @description Only the fields sent change; `mediaUrl: null` removes the media.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    quickAnswerId: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "message": "¡Gracias! Que tenga un buen día."
                     *     }
                     */
                    "application/json": {
                        mediaUrl?: string | null;
                        message?: string;
                        shortcut?: string;
                    };
                    "application/x-www-form-urlencoded": {
                        mediaUrl?: string | null;
                        message?: string;
                        shortcut?: string;
                    };
                    "multipart/form-data": {
                        mediaUrl?: string | null;
                        message?: string;
                        shortcut?: string;
                    };
                };
            };
            responses: {
                /** @description Updated */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["QuickAnswer"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A unique field is taken (ERR_CONFLICT) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        /** Delete a quick answer (admin) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    quickAnswerId: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "message": "Quick answer deleted successfully"
                         *     }
                         */
                        "application/json": {
                            message: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/send": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send to a number
         * @description Finds or creates the contact and its open/pending ticket on the connection (the default when whatsappId is omitted), then sends the text, the media from mediaUrl and each file in medias (caption on the first). closeTicket closes the ticket after sending. With `queue: true`, `sendAt` or `Prefer: respond-async` the message(s) are stored with status `queued` and the answer is 202; the send queue sends them (message_sent, or message_failed).
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    "idempotency-key"?: string;
                    /** @description `respond-async`: queue the message(s) and answer 202, as `queue: true` does */
                    prefer?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "number": "595991234567",
                     *       "body": "Hola, te contactamos desde el sistema",
                     *       "whatsappId": 2,
                     *       "queueId": 1
                     *     }
                     */
                    "application/json": {
                        body?: string | null;
                        closeTicket?: boolean;
                        /** Format: date-time */
                        expiresAt?: string;
                        filename?: string | null;
                        medias?: string[];
                        mediaUrl?: string | null;
                        number: string;
                        ptt?: boolean;
                        queue?: boolean;
                        queueId?: number | null;
                        quotedMsg?: (({
                            id: string;
                        } & {
                            [key: string]: unknown;
                        }) | string) | null;
                        quotedMsgId?: string | null;
                        /** Format: date-time */
                        sendAt?: string;
                        tagsId?: number | null;
                        userId?: number | null;
                        whatsappId?: number | null;
                    };
                    "application/x-www-form-urlencoded": {
                        body?: string | null;
                        closeTicket?: boolean;
                        /** Format: date-time */
                        expiresAt?: string;
                        filename?: string | null;
                        medias?: string[];
                        mediaUrl?: string | null;
                        number: string;
                        ptt?: boolean;
                        queue?: boolean;
                        queueId?: number | null;
                        quotedMsg?: (({
                            id: string;
                        } & {
                            [key: string]: unknown;
                        }) | string) | null;
                        quotedMsgId?: string | null;
                        /** Format: date-time */
                        sendAt?: string;
                        tagsId?: number | null;
                        userId?: number | null;
                        whatsappId?: number | null;
                    };
                    "multipart/form-data": {
                        body?: string | null;
                        closeTicket?: boolean;
                        /** Format: date-time */
                        expiresAt?: string;
                        filename?: string | null;
                        medias?: string[];
                        mediaUrl?: string | null;
                        number: string;
                        ptt?: boolean;
                        queue?: boolean;
                        queueId?: number | null;
                        quotedMsg?: (({
                            id: string;
                        } & {
                            [key: string]: unknown;
                        }) | string) | null;
                        quotedMsgId?: string | null;
                        /** Format: date-time */
                        sendAt?: string;
                        tagsId?: number | null;
                        userId?: number | null;
                        whatsappId?: number | null;
                    };
                };
            };
            responses: {
                /** @description Sent */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            contactId: number;
                            data: components["schemas"]["SentMessage"][];
                            message: string;
                            ticketId: number;
                        };
                    };
                };
                /** @description Queued (queue, sendAt or Prefer: respond-async): data has status `queued` */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            contactId: number;
                            data: components["schemas"]["SentMessage"][];
                            message: string;
                            ticketId: number;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Connection not connected (ERR_WAPP_NOT_CONNECTED) or Idempotency-Key reused with another body */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is larger than MAX_JSON_BODY_KB, or a file than MAX_UPLOAD_MB (ERR_PAYLOAD_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description WhatsApp refused the message (ERR_SENDING_WAPP_MSG) or the media URL failed (ERR_MEDIA_FETCH_FAILED) */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tags": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List tags
         * @description By name (then id). Whole, or one page with `limit` / `after` (cursor in `X-Next-Cursor`).
         */
        get: {
            parameters: {
                query?: {
                    /** @description Keyset pagination: the `X-Next-Cursor` header of the previous page */
                    after?: string;
                    /** @description Read one page of at most this many (1–100; 20 when only `after` is given) instead of the whole list; the next page's cursor is in the `X-Next-Cursor` header */
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description All tags by name, or the page asked for */
                200: {
                    headers: {
                        /** @description Only with `limit` or `after`, and only when more rows follow: pass it as `after=` to read the next page */
                        "X-Next-Cursor"?: string;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Tag"][];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create a tag (admin) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "name": "VIP",
                     *       "color": "#FFC107"
                     *     }
                     */
                    "application/json": {
                        color: string;
                        name: string;
                    };
                    "application/x-www-form-urlencoded": {
                        color: string;
                        name: string;
                    };
                    "multipart/form-data": {
                        color: string;
                        name: string;
                    };
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Tag"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A unique field is taken (ERR_CONFLICT) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tags/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a tag */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The tag */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Tag"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** Update a tag (admin) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "name": "VIP",
                     *       "color": "#FFC107"
                     *     }
                     */
                    "application/json": {
                        color?: string;
                        name?: string;
                    };
                    "application/x-www-form-urlencoded": {
                        color?: string;
                        name?: string;
                    };
                    "multipart/form-data": {
                        color?: string;
                        name?: string;
                    };
                };
            };
            responses: {
                /** @description Updated */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Tag"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A unique field is taken (ERR_CONFLICT) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        /** Delete a tag (admin) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "message": "Tag deleted successfully"
                         *     }
                         */
                        "application/json": {
                            message: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List tickets
         * @description Newest activity first (`updatedAt DESC, id DESC`). Filters are exact matches; `search` narrows them to the tickets whose contact or messages match (an empty `search` is no filter). A signed-in agent sees only the tickets of their queues and those with no queue; supervisors, admins and API tokens see all. Page with `page` (offset) or with `after=<nextCursor>` (keyset: the same cost at any depth, and no row skipped or repeated when tickets move between pages).
         */
        get: {
            parameters: {
                query?: {
                    /** @description Keyset pagination: the `nextCursor` of the previous page. Reads the rows after it at the cost of one page, at any depth; `page` is then not used. */
                    after?: string;
                    limit?: number;
                    page?: number;
                    queueId?: number;
                    /** @description Tickets whose contact name or number contains it, or that hold a message with all its words (any case, diacritics ignored, the last word as a prefix). Operators and quotes are plain text. Newest activity first; combinable with the other filters. */
                    search?: string;
                    status?: "pending" | "open" | "closed";
                    /** @description Only tickets carrying this tag */
                    tagId?: number;
                    /** @description The panel's tabs: `mine` = assigned to me and not closed (signed-in users only); `queue` = pending and unassigned; `all` (the default) = every ticket I may see. Combines with the other filters. */
                    view?: "mine" | "queue" | "all";
                    whatsappId?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of tickets */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            count: number;
                            hasMore: boolean;
                            limit: number;
                            /**
                             * @description Pass as `after=` to read the next page (keyset); null on the last page
                             * @example WyJ0aWNrZXRzIiwxNzMzMDUwMDAwMDAwLDQyXQ
                             */
                            nextCursor: string | null;
                            page: number;
                            tickets: components["schemas"]["Ticket"][];
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a ticket (or reuse the contact's open one)
         * @description Validates the number on WhatsApp. If the contact already has an open or pending ticket on the connection it is returned with 200; otherwise a new `open` ticket is created (201).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "number": "595991234567",
                     *       "whatsappId": 2,
                     *       "queueId": 1
                     *     }
                     */
                    "application/json": {
                        number: string;
                        queueId?: number | null;
                        tagsId?: number | null;
                        userId?: number | null;
                        whatsappId?: number | null;
                    };
                    "application/x-www-form-urlencoded": {
                        number: string;
                        queueId?: number | null;
                        tagsId?: number | null;
                        userId?: number | null;
                        whatsappId?: number | null;
                    };
                    "multipart/form-data": {
                        number: string;
                        queueId?: number | null;
                        tagsId?: number | null;
                        userId?: number | null;
                        whatsappId?: number | null;
                    };
                };
            };
            responses: {
                /** @description Existing open/pending ticket reused */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            message: string;
                            ticket: components["schemas"]["Ticket"];
                        };
                    };
                };
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            message: string;
                            ticket: components["schemas"]["Ticket"];
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Connection not connected (ERR_WAPP_NOT_CONNECTED) or Idempotency-Key reused with another body */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is larger than MAX_JSON_BODY_KB, or a file than MAX_UPLOAD_MB (ERR_PAYLOAD_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description WhatsApp refused the message (ERR_SENDING_WAPP_MSG) or the media URL failed (ERR_MEDIA_FETCH_FAILED) */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{ticketId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a ticket
         * @description 404 also for a ticket the signed-in agent may not see.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    ticketId: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The ticket */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Ticket"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /**
         * Update status, user, queue or tags
         * @description Marks the ticket read. Reopening a closed ticket while the contact has another open/pending ticket on the connection gives 409 ERR_OPEN_TICKET_EXISTS. Accepting: a signed-in user who sets `status: open` on an unassigned ticket without naming a `userId` is assigned to it.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    ticketId: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "status": "closed"
                     *     }
                     */
                    "application/json": {
                        queueId?: number | null;
                        /** @enum {string} */
                        status?: "pending" | "open" | "closed";
                        tagIds?: number[];
                        userId?: number | null;
                    };
                    "application/x-www-form-urlencoded": {
                        queueId?: number | null;
                        /** @enum {string} */
                        status?: "pending" | "open" | "closed";
                        tagIds?: number[];
                        userId?: number | null;
                    };
                    "multipart/form-data": {
                        queueId?: number | null;
                        /** @enum {string} */
                        status?: "pending" | "open" | "closed";
                        tagIds?: number[];
                        userId?: number | null;
                    };
                };
            };
            responses: {
                /** @description Updated */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            message: string;
                            ticket: components["schemas"]["Ticket"];
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A unique field is taken (ERR_CONFLICT) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{ticketId}/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List a ticket's messages
         * @description Newest first. Does not mark the ticket read. Page with `page` (offset) or `after=<nextCursor>` (keyset).
         */
        get: {
            parameters: {
                query?: {
                    /** @description Keyset pagination: the `nextCursor` of the previous page. Reads the rows after it at the cost of one page, at any depth; `page` is then not used. */
                    after?: string;
                    limit?: number;
                    page?: number;
                };
                header?: never;
                path: {
                    ticketId: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of messages */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            count: number;
                            hasMore: boolean;
                            limit: number;
                            messages: components["schemas"]["Message"][];
                            /**
                             * @description Pass as `after=` to read the next page (keyset); null on the last page
                             * @example WyJ0aWNrZXRzIiwxNzMzMDUwMDAwMDAwLDQyXQ
                             */
                            nextCursor: string | null;
                            page: number;
                            ticketId: number;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Send a text message on a ticket */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Repeat-safe sends: the same key within 24 h returns the first response and sends nothing */
                    "idempotency-key"?: string;
                    /** @description `respond-async`: queue the message(s) and answer 202, as `queue: true` does */
                    prefer?: string;
                };
                path: {
                    ticketId: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "body": "Gracias por contactarnos"
                     *     }
                     */
                    "application/json": {
                        body: string;
                        /** Format: date-time */
                        expiresAt?: string;
                        queue?: boolean;
                        quotedMsgId?: string | null;
                        /** Format: date-time */
                        sendAt?: string;
                    };
                    "application/x-www-form-urlencoded": {
                        body: string;
                        /** Format: date-time */
                        expiresAt?: string;
                        queue?: boolean;
                        quotedMsgId?: string | null;
                        /** Format: date-time */
                        sendAt?: string;
                    };
                    "multipart/form-data": {
                        body: string;
                        /** Format: date-time */
                        expiresAt?: string;
                        queue?: boolean;
                        quotedMsgId?: string | null;
                        /** Format: date-time */
                        sendAt?: string;
                    };
                };
            };
            responses: {
                /** @description Sent */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: components["schemas"]["SentMessage"];
                            message: string;
                        };
                    };
                };
                /** @description Queued (queue, sendAt or Prefer: respond-async): each message has status `queued` */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: components["schemas"]["SentMessage"];
                            message: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Connection not connected (ERR_WAPP_NOT_CONNECTED) or Idempotency-Key reused with another body */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is larger than MAX_JSON_BODY_KB, or a file than MAX_UPLOAD_MB (ERR_PAYLOAD_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description WhatsApp refused the message (ERR_SENDING_WAPP_MSG) or the media URL failed (ERR_MEDIA_FETCH_FAILED) */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{ticketId}/messages/media": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send files on a ticket
         * @description One WhatsApp message per file, in order; the caption goes on the first.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Repeat-safe sends: the same key within 24 h returns the first response and sends nothing */
                    "idempotency-key"?: string;
                    /** @description `respond-async`: queue the message(s) and answer 202, as `queue: true` does */
                    prefer?: string;
                };
                path: {
                    ticketId: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "multipart/form-data": {
                        body?: string | null;
                        /** Format: date-time */
                        expiresAt?: string;
                        medias: string[];
                        ptt?: boolean;
                        queue?: boolean;
                        quotedMsgId?: string | null;
                        /** Format: date-time */
                        sendAt?: string;
                    };
                };
            };
            responses: {
                /** @description Sent */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: components["schemas"]["SentMessage"][];
                            message: string;
                        };
                    };
                };
                /** @description Queued (queue, sendAt or Prefer: respond-async): each message has status `queued` */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: components["schemas"]["SentMessage"][];
                            message: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Connection not connected (ERR_WAPP_NOT_CONNECTED) or Idempotency-Key reused with another body */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is larger than MAX_JSON_BODY_KB, or a file than MAX_UPLOAD_MB (ERR_PAYLOAD_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description WhatsApp refused the message (ERR_SENDING_WAPP_MSG) or the media URL failed (ERR_MEDIA_FETCH_FAILED) */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{ticketId}/messages/media-url": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send media downloaded from a URL
         * @description http and https only; private, loopback and metadata addresses are refused (400 ERR_INVALID_MEDIA_URL) unless MEDIA_FETCH_ALLOW_PRIVATE=true; redirects are not followed; a failed download is 502 ERR_MEDIA_FETCH_FAILED.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Repeat-safe sends: the same key within 24 h returns the first response and sends nothing */
                    "idempotency-key"?: string;
                    /** @description `respond-async`: queue the message(s) and answer 202, as `queue: true` does */
                    prefer?: string;
                };
                path: {
                    ticketId: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "mediaUrl": "https://example.com/image.jpg",
                     *       "body": "Esta imagen es de internet",
                     *       "filename": "imagen_descargada.jpg"
                     *     }
                     */
                    "application/json": {
                        body?: string | null;
                        /** Format: date-time */
                        expiresAt?: string;
                        filename?: string | null;
                        mediaUrl: string;
                        ptt?: boolean;
                        queue?: boolean;
                        quotedMsgId?: string | null;
                        /** Format: date-time */
                        sendAt?: string;
                    };
                    "application/x-www-form-urlencoded": {
                        body?: string | null;
                        /** Format: date-time */
                        expiresAt?: string;
                        filename?: string | null;
                        mediaUrl: string;
                        ptt?: boolean;
                        queue?: boolean;
                        quotedMsgId?: string | null;
                        /** Format: date-time */
                        sendAt?: string;
                    };
                    "multipart/form-data": {
                        body?: string | null;
                        /** Format: date-time */
                        expiresAt?: string;
                        filename?: string | null;
                        mediaUrl: string;
                        ptt?: boolean;
                        queue?: boolean;
                        quotedMsgId?: string | null;
                        /** Format: date-time */
                        sendAt?: string;
                    };
                };
            };
            responses: {
                /** @description Sent */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: components["schemas"]["SentMessage"];
                            message: string;
                        };
                    };
                };
                /** @description Queued (queue, sendAt or Prefer: respond-async): each message has status `queued` */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: components["schemas"]["SentMessage"];
                            message: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Connection not connected (ERR_WAPP_NOT_CONNECTED) or Idempotency-Key reused with another body */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is larger than MAX_JSON_BODY_KB, or a file than MAX_UPLOAD_MB (ERR_PAYLOAD_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description WhatsApp refused the message (ERR_SENDING_WAPP_MSG) or the media URL failed (ERR_MEDIA_FETCH_FAILED) */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{ticketId}/transfer": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Transfer a ticket to a queue and/or an agent
         * @description One action: to an agent (`userId`), the ticket becomes theirs and `open`; to a queue only (`queueId`), it goes back to that queue's waiting list (unassigned, `pending`); both together set both. An agent (role `agent`) must work in the ticket's queue (400 otherwise). A closed ticket is 409 ERR_TICKET_CLOSED.
         *
         *     A system line is stored in the conversation (`isSystem: true`, `mediaType: system`, `system` tells from/to/by/note; never sent to WhatsApp) and `ticket_updated` is emitted with `transfer`.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    ticketId: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "queueId": 2,
                     *       "userId": 3,
                     *       "note": "Cliente pide factura"
                     *     }
                     */
                    "application/json": {
                        note?: string | null;
                        queueId?: number | null;
                        userId?: number | null;
                    };
                    "application/x-www-form-urlencoded": {
                        note?: string | null;
                        queueId?: number | null;
                        userId?: number | null;
                    };
                    "multipart/form-data": {
                        note?: string | null;
                        queueId?: number | null;
                        userId?: number | null;
                    };
                };
            };
            responses: {
                /** @description Transferred */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            message: string;
                            ticket: components["schemas"]["Ticket"];
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A unique field is taken (ERR_CONFLICT) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{ticketId}/typing": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Show or stop "typing…" in the customer's chat
         * @description `composing` shows the agent typing on the customer's phone; `paused` stops it. WhatsApp clears it by itself after a while; send `composing` again every ~10 s while typing.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    ticketId: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "state": "composing"
                     *     }
                     */
                    "application/json": {
                        /** @enum {string} */
                        state: "composing" | "paused";
                    };
                    "application/x-www-form-urlencoded": {
                        /** @enum {string} */
                        state: "composing" | "paused";
                    };
                    "multipart/form-data": {
                        /** @enum {string} */
                        state: "composing" | "paused";
                    };
                };
            };
            responses: {
                /** @description Sent */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "ticketId": 1,
                         *       "state": "composing"
                         *     }
                         */
                        "application/json": {
                            state: string;
                            ticketId: number;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Connection not connected (ERR_WAPP_NOT_CONNECTED) or Idempotency-Key reused with another body */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is larger than MAX_JSON_BODY_KB, or a file than MAX_UPLOAD_MB (ERR_PAYLOAD_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description WhatsApp refused the message (ERR_SENDING_WAPP_MSG) or the media URL failed (ERR_MEDIA_FETCH_FAILED) */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/counts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * How many tickets each tab holds
         * @description `mine`, `queue` and `all` as `GET /tickets?view=` counts them, with the same filters and visibility; `mine` is null for an API token. Index-backed: cheap enough to poll.
         */
        get: {
            parameters: {
                query?: {
                    queueId?: number;
                    status?: "pending" | "open" | "closed";
                    /** @description Only tickets carrying this tag */
                    tagId?: number;
                    whatsappId?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Counts per tab */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "mine": 3,
                         *       "queue": 5,
                         *       "all": 42
                         *     }
                         */
                        "application/json": {
                            all: number;
                            mine: number | null;
                            queue: number;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List API tokens (admin)
         * @description By id. Whole, or one page with `limit` / `after` (cursor in `X-Next-Cursor`).
         */
        get: {
            parameters: {
                query?: {
                    /** @description Keyset pagination: the `X-Next-Cursor` header of the previous page */
                    after?: string;
                    /** @description Read one page of at most this many (1–100; 20 when only `after` is given) instead of the whole list; the next page's cursor is in the `X-Next-Cursor` header */
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description All tokens (or the page asked for); secrets are never shown */
                200: {
                    headers: {
                        /** @description Only with `limit` or `after`, and only when more rows follow: pass it as `after=` to read the next page */
                        "X-Next-Cursor"?: string;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ApiToken"][];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create an API token (admin)
         * @description The token is in this response only; only its SHA-256 hash is stored.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "name": "n8n",
                     *       "scope": "api"
                     *     }
                     */
                    "application/json": {
                        name: string;
                        /**
                         * @default api
                         * @enum {string}
                         */
                        scope?: "admin" | "api";
                    };
                    "application/x-www-form-urlencoded": {
                        name: string;
                        /**
                         * @default api
                         * @enum {string}
                         */
                        scope?: "admin" | "api";
                    };
                    "multipart/form-data": {
                        name: string;
                        /**
                         * @default api
                         * @enum {string}
                         */
                        scope?: "admin" | "api";
                    };
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ApiToken"] & {
                            token: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tokens/{tokenId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API token (admin) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    tokenId: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Revoked */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ApiToken"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List users
         * @description By name (then id). Whole, or one page with `limit` / `after` (cursor in `X-Next-Cursor`).
         */
        get: {
            parameters: {
                query?: {
                    /** @description Keyset pagination: the `X-Next-Cursor` header of the previous page */
                    after?: string;
                    /** @description Read one page of at most this many (1–100; 20 when only `after` is given) instead of the whole list; the next page's cursor is in the `X-Next-Cursor` header */
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description All users by name, or the page asked for */
                200: {
                    headers: {
                        /** @description Only with `limit` or `after`, and only when more rows follow: pass it as `after=` to read the next page */
                        "X-Next-Cursor"?: string;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"][];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a user (admin)
         * @description Without `password` the user cannot sign in until one is set (PUT with `password`, or POST /users/{id}/password for a generated one).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "name": "Ana Agente",
                     *       "email": "ana@example.com",
                     *       "role": "agent",
                     *       "queueIds": [
                     *         1
                     *       ],
                     *       "password": "a long password"
                     *     }
                     */
                    "application/json": {
                        disabled?: boolean;
                        /** Format: email */
                        email: string;
                        name: string;
                        notifications?: boolean;
                        password?: string;
                        queueIds?: number[];
                        /** @enum {string} */
                        role?: "admin" | "supervisor" | "agent";
                        signature?: boolean;
                    };
                    "application/x-www-form-urlencoded": {
                        disabled?: boolean;
                        /** Format: email */
                        email: string;
                        name: string;
                        notifications?: boolean;
                        password?: string;
                        queueIds?: number[];
                        /** @enum {string} */
                        role?: "admin" | "supervisor" | "agent";
                        signature?: boolean;
                    };
                    "multipart/form-data": {
                        disabled?: boolean;
                        /** Format: email */
                        email: string;
                        name: string;
                        notifications?: boolean;
                        password?: string;
                        queueIds?: number[];
                        /** @enum {string} */
                        role?: "admin" | "supervisor" | "agent";
                        signature?: boolean;
                    };
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A unique field is taken (ERR_CONFLICT) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a user */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The user */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /**
         * Update a user (admin)
         * @description `queueIds` replaces the user's queues. Setting `password` or `disabled: true` ends every session of the user.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "role": "supervisor",
                     *       "queueIds": [
                     *         1,
                     *         2
                     *       ]
                     *     }
                     */
                    "application/json": {
                        disabled?: boolean;
                        /** Format: email */
                        email?: string;
                        name?: string;
                        notifications?: boolean;
                        password?: string;
                        queueIds?: number[];
                        /** @enum {string} */
                        role?: "admin" | "supervisor" | "agent";
                        signature?: boolean;
                    };
                    "application/x-www-form-urlencoded": {
                        disabled?: boolean;
                        /** Format: email */
                        email?: string;
                        name?: string;
                        notifications?: boolean;
                        password?: string;
                        queueIds?: number[];
                        /** @enum {string} */
                        role?: "admin" | "supervisor" | "agent";
                        signature?: boolean;
                    };
                    "multipart/form-data": {
                        disabled?: boolean;
                        /** Format: email */
                        email?: string;
                        name?: string;
                        notifications?: boolean;
                        password?: string;
                        queueIds?: number[];
                        /** @enum {string} */
                        role?: "admin" | "supervisor" | "agent";
                        signature?: boolean;
                    };
                };
            };
            responses: {
                /** @description Updated */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A unique field is taken (ERR_CONFLICT) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        /**
         * Delete a user (admin)
         * @description Their tickets become unassigned and their sessions end; messages they sent keep their `userId`.
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "message": "User deleted successfully"
                         *     }
                         */
                        "application/json": {
                            message: string;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Reset a user's password (admin)
         * @description Generates a new password, answers it once (`password`), and ends every session of the user. Give it to the user, who changes it with PUT /auth/password.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The one-time password */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            password: string;
                            user: components["schemas"]["User"];
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List webhook deliveries, newest first (admin)
         * @description By id, newest first. Page with `page` (offset) or `after=<nextCursor>` (keyset).
         */
        get: {
            parameters: {
                query?: {
                    /** @description Keyset pagination: the `nextCursor` of the previous page. Reads the rows after it at the cost of one page, at any depth; `page` is then not used. */
                    after?: string;
                    connectionId?: number;
                    event?: "message_received" | "message_sent" | "message_ack" | "connection_update" | "ticket_created" | "ticket_updated" | "ticket_closed" | "contact_created" | "contact_updated" | "message_updated" | "message_deleted" | "message_reaction" | "message_failed";
                    limit?: number;
                    page?: number;
                    status?: "pending" | "delivering" | "delivered" | "failed";
                    webhookId?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of deliveries */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            count: number;
                            deliveries: components["schemas"]["WebhookDelivery"][];
                            hasMore: boolean;
                            limit: number;
                            /**
                             * @description Pass as `after=` to read the next page (keyset); null on the last page
                             * @example WyJ0aWNrZXRzIiwxNzMzMDUwMDAwMDAwLDQyXQ
                             */
                            nextCursor: string | null;
                            page: number;
                        };
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/deliveries/{deliveryId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One delivery with its payload (admin) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    deliveryId: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The delivery */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["WebhookDeliveryDetail"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/deliveries/{deliveryId}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a delivery again (admin)
         * @description Re-enqueues the delivery for a fresh series of attempts with the same `webhook-id` and body, whatever its status (delivered ones are resent). 409 while it is being sent.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    deliveryId: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Re-enqueued */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["WebhookDelivery"];
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Being sent right now (ERR_CONFLICT) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: string;
                            message: string;
                        };
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness: the store answers and the migrations ran
         * @description No token needed. 200 once the database answers a query and every migration is applied, else 503 with the same shape (`outbox` null). `connections` lists the connections that are not CONNECTED; `outbox.pending` counts undelivered webhook deliveries, `oldestPendingAgeSeconds` is the age of the oldest one of an enabled webhook, and `stuck` is true when that age passes OUTBOX_STUCK_AFTER_MS (15 min by default): the dispatcher is stopped or a receiver has failed that long. Neither makes the answer 503. `checks.media` is `error` while the media store fails (`media.error` says why): a MEDIA_S3_BUCKET that has not worked since the start (a wrong setting) makes the answer 503; one that fails after working (an outage) does not, as text messages still flow.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Ready */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "ready": true,
                         *       "checks": {
                         *         "database": "ok",
                         *         "migrations": "ok",
                         *         "media": "ok"
                         *       },
                         *       "media": {
                         *         "store": "s3",
                         *         "error": null
                         *       },
                         *       "connections": [
                         *         {
                         *           "id": 2,
                         *           "name": "Soporte",
                         *           "status": "qrcode"
                         *         }
                         *       ],
                         *       "readFront": {
                         *         "threads": 1,
                         *         "running": 1
                         *       },
                         *       "outbox": {
                         *         "pending": 3,
                         *         "oldestPendingAgeSeconds": 4,
                         *         "stuck": false,
                         *         "dispatcherRunning": true
                         *       }
                         *     }
                         */
                        "application/json": components["schemas"]["Readiness"];
                    };
                };
                /** @description Not ready: the database does not answer, migrations are pending, or the media bucket never worked */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "ready": false,
                         *       "checks": {
                         *         "database": "error",
                         *         "migrations": "unknown",
                         *         "media": "ok"
                         *       },
                         *       "media": {
                         *         "store": "local",
                         *         "error": null
                         *       },
                         *       "connections": [],
                         *       "readFront": null,
                         *       "outbox": null
                         *     }
                         */
                        "application/json": components["schemas"]["Readiness"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics
         * @description The Prometheus text exposition format (version 0.0.4). Needs `Authorization: Bearer <METRICS_TOKEN>`, or an admin token. See the README, section Monitoring, for every series.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Metrics in the text exposition format */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example # HELP chasqui_messages_total Messages stored, by connection id and direction (in: received, out: sent).
                         *     # TYPE chasqui_messages_total counter
                         *     chasqui_messages_total{connection="1",direction="in"} 12
                         */
                        "text/plain": string;
                    };
                };
                /** @description Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing, invalid or revoked token (ERR_UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token lacks the needed scope (ERR_FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Resource not found (ERR_*_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export interface webhooks {
    connection_update: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * The connection's status changed
         * @description Headers: `X-Webhook-Event`, `X-Connection-Id`, Standard Webhooks `webhook-id` (the event id, stable across retries), `webhook-timestamp`, `webhook-signature`. Answer 2xx; anything else is retried with backoff.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    /**
                     * @example {
                     *       "event": "connection_update",
                     *       "timestamp": "2024-12-01T10:30:00.000Z",
                     *       "connectionId": 1,
                     *       "connectionName": "WhatsApp Principal",
                     *       "connectionNumber": "595981234567",
                     *       "data": {
                     *         "status": "CONNECTED",
                     *         "qrcode": null
                     *       }
                     *     }
                     */
                    "application/json": {
                        connectionId: number | null;
                        connectionName: string | null;
                        connectionNumber: string | null;
                        data: {
                            qrcode: string | null;
                            reason?: string;
                            status: string;
                        };
                        /** @enum {string} */
                        event: "connection_update";
                        timestamp: string;
                    };
                };
            };
            responses: {
                /** @description Received */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    contact_created: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A contact was created
         * @description Headers: `X-Webhook-Event`, `X-Connection-Id`, Standard Webhooks `webhook-id` (the event id, stable across retries), `webhook-timestamp`, `webhook-signature`. Answer 2xx; anything else is retried with backoff.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    /**
                     * @example {
                     *       "event": "contact_created",
                     *       "timestamp": "2024-12-01T10:30:00.000Z",
                     *       "connectionId": 1,
                     *       "connectionName": "WhatsApp Principal",
                     *       "connectionNumber": "595981234567",
                     *       "data": {
                     *         "id": 45,
                     *         "name": "Juan Pérez",
                     *         "number": "595991234567",
                     *         "email": "",
                     *         "profilePicUrl": null,
                     *         "isGroup": false,
                     *         "createdAt": "2024-12-01T10:30:00.000Z",
                     *         "updatedAt": "2024-12-01T10:30:00.000Z"
                     *       }
                     *     }
                     */
                    "application/json": {
                        connectionId: number | null;
                        connectionName: string | null;
                        connectionNumber: string | null;
                        data: components["schemas"]["Contact"];
                        /** @enum {string} */
                        event: "contact_created";
                        timestamp: string;
                    };
                };
            };
            responses: {
                /** @description Received */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    contact_updated: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A contact changed
         * @description Headers: `X-Webhook-Event`, `X-Connection-Id`, Standard Webhooks `webhook-id` (the event id, stable across retries), `webhook-timestamp`, `webhook-signature`. Answer 2xx; anything else is retried with backoff.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    /**
                     * @example {
                     *       "event": "contact_updated",
                     *       "timestamp": "2024-12-01T10:30:00.000Z",
                     *       "connectionId": 1,
                     *       "connectionName": "WhatsApp Principal",
                     *       "connectionNumber": "595981234567",
                     *       "data": {
                     *         "id": 45,
                     *         "name": "Juan Pérez",
                     *         "number": "595991234567",
                     *         "email": "",
                     *         "profilePicUrl": null,
                     *         "isGroup": false,
                     *         "createdAt": "2024-12-01T10:30:00.000Z",
                     *         "updatedAt": "2024-12-01T10:30:00.000Z"
                     *       }
                     *     }
                     */
                    "application/json": {
                        connectionId: number | null;
                        connectionName: string | null;
                        connectionNumber: string | null;
                        data: components["schemas"]["Contact"];
                        /** @enum {string} */
                        event: "contact_updated";
                        timestamp: string;
                    };
                };
            };
            responses: {
                /** @description Received */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    message_ack: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Delivery state of one of our messages moved forward (1 server, 2 delivered, 3 read, 4 played)
         * @description Headers: `X-Webhook-Event`, `X-Connection-Id`, Standard Webhooks `webhook-id` (the event id, stable across retries), `webhook-timestamp`, `webhook-signature`. Answer 2xx; anything else is retried with backoff.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    /**
                     * @example {
                     *       "event": "message_ack",
                     *       "timestamp": "2024-12-01T10:30:00.000Z",
                     *       "connectionId": 1,
                     *       "connectionName": "WhatsApp Principal",
                     *       "connectionNumber": "595981234567",
                     *       "data": {
                     *         "messageId": "3EB0ABC123DEF456",
                     *         "ack": 3,
                     *         "ackName": "read",
                     *         "ticketId": 123
                     *       }
                     *     }
                     */
                    "application/json": {
                        connectionId: number | null;
                        connectionName: string | null;
                        connectionNumber: string | null;
                        data: {
                            ack: number;
                            ackName: string;
                            messageId: string;
                            ticketId: number;
                        };
                        /** @enum {string} */
                        event: "message_ack";
                        timestamp: string;
                    };
                };
            };
            responses: {
                /** @description Received */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    message_deleted: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A message was deleted for everyone; the stored body is kept
         * @description Headers: `X-Webhook-Event`, `X-Connection-Id`, Standard Webhooks `webhook-id` (the event id, stable across retries), `webhook-timestamp`, `webhook-signature`. Answer 2xx; anything else is retried with backoff.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    /**
                     * @example {
                     *       "event": "message_deleted",
                     *       "timestamp": "2024-12-01T10:30:00.000Z",
                     *       "connectionId": 1,
                     *       "connectionName": "WhatsApp Principal",
                     *       "connectionNumber": "595981234567",
                     *       "data": {
                     *         "messageId": "3EB0ABC123DEF456",
                     *         "ticketId": 123,
                     *         "body": "Hola, necesito información",
                     *         "fromMe": false,
                     *         "isDeleted": true,
                     *         "deletedAt": "2024-12-01T10:32:00.000Z",
                     *         "contact": {
                     *           "id": 45,
                     *           "name": "Juan Pérez",
                     *           "number": "595991234567"
                     *         }
                     *       }
                     *     }
                     */
                    "application/json": {
                        connectionId: number | null;
                        connectionName: string | null;
                        connectionNumber: string | null;
                        data: {
                            body: string;
                            contact: {
                                id: number;
                                name: string;
                                number: string;
                            };
                            deletedAt: string;
                            fromMe: boolean;
                            /** @enum {boolean} */
                            isDeleted: true;
                            messageId: string;
                            ticketId: number;
                        };
                        /** @enum {string} */
                        event: "message_deleted";
                        timestamp: string;
                    };
                };
            };
            responses: {
                /** @description Received */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    message_failed: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A queued or scheduled message will not be sent: WhatsApp refused it, it expired (ERR_MESSAGE_EXPIRED) or it was cancelled (ERR_MESSAGE_CANCELLED)
         * @description Headers: `X-Webhook-Event`, `X-Connection-Id`, Standard Webhooks `webhook-id` (the event id, stable across retries), `webhook-timestamp`, `webhook-signature`. Answer 2xx; anything else is retried with backoff.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    /**
                     * @example {
                     *       "event": "message_failed",
                     *       "timestamp": "2024-12-01T10:30:00.000Z",
                     *       "connectionId": 1,
                     *       "connectionName": "WhatsApp Principal",
                     *       "connectionNumber": "595981234567",
                     *       "data": {
                     *         "messageId": "3EB0C0FFEE1234567890AB",
                     *         "ticketId": 123,
                     *         "body": "Tu pedido está listo",
                     *         "mediaType": "chat",
                     *         "code": "ERR_MESSAGE_EXPIRED",
                     *         "reason": "The message could not be sent before its expiresAt",
                     *         "attempts": 0,
                     *         "contact": {
                     *           "id": 45,
                     *           "name": "Juan Pérez",
                     *           "number": "595991234567"
                     *         }
                     *       }
                     *     }
                     */
                    "application/json": {
                        connectionId: number | null;
                        connectionName: string | null;
                        connectionNumber: string | null;
                        data: {
                            /** @description Times the queue handed it to WhatsApp */
                            attempts: number;
                            body: string;
                            code: string;
                            contact: {
                                id: number;
                                name: string;
                                number: string;
                            };
                            mediaType: string;
                            messageId: string;
                            reason: string;
                            ticketId: number;
                        };
                        /** @enum {string} */
                        event: "message_failed";
                        timestamp: string;
                    };
                };
            };
            responses: {
                /** @description Received */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    message_reaction: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Someone reacted to a message, changed or removed (emoji empty, removed true) a reaction
         * @description Headers: `X-Webhook-Event`, `X-Connection-Id`, Standard Webhooks `webhook-id` (the event id, stable across retries), `webhook-timestamp`, `webhook-signature`. Answer 2xx; anything else is retried with backoff.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    /**
                     * @example {
                     *       "event": "message_reaction",
                     *       "timestamp": "2024-12-01T10:30:00.000Z",
                     *       "connectionId": 1,
                     *       "connectionName": "WhatsApp Principal",
                     *       "connectionNumber": "595981234567",
                     *       "data": {
                     *         "messageId": "3EB0DEF456",
                     *         "ticketId": 123,
                     *         "emoji": "👍",
                     *         "removed": false,
                     *         "fromMe": false,
                     *         "reactor": {
                     *           "number": "595991234567",
                     *           "name": "Juan Pérez"
                     *         },
                     *         "timestamp": 1701432700,
                     *         "contact": {
                     *           "id": 45,
                     *           "name": "Juan Pérez",
                     *           "number": "595991234567"
                     *         }
                     *       }
                     *     }
                     */
                    "application/json": {
                        connectionId: number | null;
                        connectionName: string | null;
                        connectionNumber: string | null;
                        data: {
                            contact: {
                                id: number;
                                name: string;
                                number: string;
                            };
                            emoji: string;
                            fromMe: boolean;
                            messageId: string;
                            reactor: {
                                name: string | null;
                                number: string | null;
                            };
                            removed: boolean;
                            ticketId: number;
                            timestamp: number;
                        };
                        /** @enum {string} */
                        event: "message_reaction";
                        timestamp: string;
                    };
                };
            };
            responses: {
                /** @description Received */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    message_received: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A message from the customer (or typed on the phone: fromMe), live or replayed after an outage
         * @description Headers: `X-Webhook-Event`, `X-Connection-Id`, Standard Webhooks `webhook-id` (the event id, stable across retries), `webhook-timestamp`, `webhook-signature`. Answer 2xx; anything else is retried with backoff.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    /**
                     * @example {
                     *       "event": "message_received",
                     *       "timestamp": "2024-12-01T10:30:00.000Z",
                     *       "connectionId": 1,
                     *       "connectionName": "WhatsApp Principal",
                     *       "connectionNumber": "595981234567",
                     *       "data": {
                     *         "messageId": "3EB0ABC123DEF456",
                     *         "body": "Hola, necesito información",
                     *         "fromMe": false,
                     *         "mediaType": "chat",
                     *         "hasMedia": false,
                     *         "timestamp": 1701432600,
                     *         "ticketId": 123,
                     *         "contact": {
                     *           "id": 45,
                     *           "name": "Juan Pérez",
                     *           "number": "595991234567"
                     *         },
                     *         "media": null,
                     *         "quotedMsgId": null,
                     *         "userId": null
                     *       }
                     *     }
                     */
                    "application/json": {
                        connectionId: number | null;
                        connectionName: string | null;
                        connectionNumber: string | null;
                        data: {
                            body: string;
                            contact: {
                                id: number;
                                name: string;
                                number: string;
                            };
                            fromMe: boolean;
                            hasMedia: boolean;
                            media: {
                                mimeType: string | null;
                                type: string;
                                url: string | null;
                            } | null;
                            mediaType: string;
                            messageId: string;
                            /** @description Group tickets only: who wrote */
                            participant?: {
                                name: string | null;
                                number: string;
                            };
                            quotedMsgId: string | null;
                            ticketId: number;
                            timestamp: number;
                            /** @description The agent who sent it from the panel; null for API tokens, automation and received messages */
                            userId: number | null;
                        };
                        /** @enum {string} */
                        event: "message_received";
                        timestamp: string;
                    };
                };
            };
            responses: {
                /** @description Received */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    message_sent: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A message sent through the API or the panel; a queued or scheduled one when WhatsApp accepted it (not when it was queued)
         * @description Headers: `X-Webhook-Event`, `X-Connection-Id`, Standard Webhooks `webhook-id` (the event id, stable across retries), `webhook-timestamp`, `webhook-signature`. Answer 2xx; anything else is retried with backoff.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    /**
                     * @example {
                     *       "event": "message_sent",
                     *       "timestamp": "2024-12-01T10:30:00.000Z",
                     *       "connectionId": 1,
                     *       "connectionName": "WhatsApp Principal",
                     *       "connectionNumber": "595981234567",
                     *       "data": {
                     *         "messageId": "3EB0ABC123DEF456",
                     *         "body": "Gracias por contactarnos",
                     *         "fromMe": true,
                     *         "mediaType": "chat",
                     *         "hasMedia": false,
                     *         "timestamp": 1701432600,
                     *         "ticketId": 123,
                     *         "contact": {
                     *           "id": 45,
                     *           "name": "Juan Pérez",
                     *           "number": "595991234567"
                     *         },
                     *         "media": null,
                     *         "quotedMsgId": null,
                     *         "userId": 2
                     *       }
                     *     }
                     */
                    "application/json": {
                        connectionId: number | null;
                        connectionName: string | null;
                        connectionNumber: string | null;
                        data: {
                            body: string;
                            contact: {
                                id: number;
                                name: string;
                                number: string;
                            };
                            fromMe: boolean;
                            hasMedia: boolean;
                            media: {
                                mimeType: string | null;
                                type: string;
                                url: string | null;
                            } | null;
                            mediaType: string;
                            messageId: string;
                            /** @description Group tickets only: who wrote */
                            participant?: {
                                name: string | null;
                                number: string;
                            };
                            quotedMsgId: string | null;
                            ticketId: number;
                            timestamp: number;
                            /** @description The agent who sent it from the panel; null for API tokens, automation and received messages */
                            userId: number | null;
                        };
                        /** @enum {string} */
                        event: "message_sent";
                        timestamp: string;
                    };
                };
            };
            responses: {
                /** @description Received */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    message_updated: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A message was edited on WhatsApp (by the customer, or by us)
         * @description Headers: `X-Webhook-Event`, `X-Connection-Id`, Standard Webhooks `webhook-id` (the event id, stable across retries), `webhook-timestamp`, `webhook-signature`. Answer 2xx; anything else is retried with backoff.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    /**
                     * @example {
                     *       "event": "message_updated",
                     *       "timestamp": "2024-12-01T10:30:00.000Z",
                     *       "connectionId": 1,
                     *       "connectionName": "WhatsApp Principal",
                     *       "connectionNumber": "595981234567",
                     *       "data": {
                     *         "messageId": "3EB0ABC123DEF456",
                     *         "ticketId": 123,
                     *         "body": "Hola, necesito información sobre envíos",
                     *         "previousBody": "Hola, necesito información",
                     *         "isEdited": true,
                     *         "editedAt": "2024-12-01T10:31:00.000Z",
                     *         "fromMe": false,
                     *         "contact": {
                     *           "id": 45,
                     *           "name": "Juan Pérez",
                     *           "number": "595991234567"
                     *         }
                     *       }
                     *     }
                     */
                    "application/json": {
                        connectionId: number | null;
                        connectionName: string | null;
                        connectionNumber: string | null;
                        data: {
                            body: string;
                            contact: {
                                id: number;
                                name: string;
                                number: string;
                            };
                            editedAt: string;
                            fromMe: boolean;
                            /** @enum {boolean} */
                            isEdited: true;
                            messageId: string;
                            previousBody: string;
                            ticketId: number;
                        };
                        /** @enum {string} */
                        event: "message_updated";
                        timestamp: string;
                    };
                };
            };
            responses: {
                /** @description Received */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    ticket_closed: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A ticket was closed
         * @description Headers: `X-Webhook-Event`, `X-Connection-Id`, Standard Webhooks `webhook-id` (the event id, stable across retries), `webhook-timestamp`, `webhook-signature`. Answer 2xx; anything else is retried with backoff.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    /**
                     * @example {
                     *       "event": "ticket_closed",
                     *       "timestamp": "2024-12-01T10:30:00.000Z",
                     *       "connectionId": 1,
                     *       "connectionName": "WhatsApp Principal",
                     *       "connectionNumber": "595981234567",
                     *       "data": {
                     *         "ticketId": 123,
                     *         "status": "closed",
                     *         "contact": {
                     *           "id": 45,
                     *           "name": "Juan Pérez",
                     *           "number": "595991234567"
                     *         },
                     *         "queueId": 1,
                     *         "userId": 2,
                     *         "oldStatus": "open",
                     *         "newStatus": "closed"
                     *       }
                     *     }
                     */
                    "application/json": {
                        connectionId: number | null;
                        connectionName: string | null;
                        connectionNumber: string | null;
                        data: {
                            contact: {
                                id: number;
                                name: string;
                                number: string;
                            };
                            newStatus?: string;
                            oldStatus?: string;
                            queueId: number | null;
                            ratedAt?: string;
                            /** @description Only when the customer's answer to the rating request was stored on the (closed) ticket */
                            rating?: number;
                            /** @enum {string} */
                            status: "pending" | "open" | "closed";
                            ticketId: number;
                            /** @description ticket_updated of POST /tickets/{id}/transfer only */
                            transfer?: {
                                /** @description Null when an API token transferred it */
                                byUserId: number | null;
                                fromQueueId: number | null;
                                fromUserId: number | null;
                                /** @description The system line recorded in the conversation */
                                messageId: string;
                                note: string | null;
                                toQueueId: number | null;
                                toUserId: number | null;
                            };
                            userId: number | null;
                        };
                        /** @enum {string} */
                        event: "ticket_closed";
                        timestamp: string;
                    };
                };
            };
            responses: {
                /** @description Received */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    ticket_created: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A ticket was opened
         * @description Headers: `X-Webhook-Event`, `X-Connection-Id`, Standard Webhooks `webhook-id` (the event id, stable across retries), `webhook-timestamp`, `webhook-signature`. Answer 2xx; anything else is retried with backoff.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    /**
                     * @example {
                     *       "event": "ticket_created",
                     *       "timestamp": "2024-12-01T10:30:00.000Z",
                     *       "connectionId": 1,
                     *       "connectionName": "WhatsApp Principal",
                     *       "connectionNumber": "595981234567",
                     *       "data": {
                     *         "ticketId": 123,
                     *         "status": "pending",
                     *         "contact": {
                     *           "id": 45,
                     *           "name": "Juan Pérez",
                     *           "number": "595991234567"
                     *         },
                     *         "queueId": null,
                     *         "userId": null
                     *       }
                     *     }
                     */
                    "application/json": {
                        connectionId: number | null;
                        connectionName: string | null;
                        connectionNumber: string | null;
                        data: {
                            contact: {
                                id: number;
                                name: string;
                                number: string;
                            };
                            newStatus?: string;
                            oldStatus?: string;
                            queueId: number | null;
                            ratedAt?: string;
                            /** @description Only when the customer's answer to the rating request was stored on the (closed) ticket */
                            rating?: number;
                            /** @enum {string} */
                            status: "pending" | "open" | "closed";
                            ticketId: number;
                            /** @description ticket_updated of POST /tickets/{id}/transfer only */
                            transfer?: {
                                /** @description Null when an API token transferred it */
                                byUserId: number | null;
                                fromQueueId: number | null;
                                fromUserId: number | null;
                                /** @description The system line recorded in the conversation */
                                messageId: string;
                                note: string | null;
                                toQueueId: number | null;
                                toUserId: number | null;
                            };
                            userId: number | null;
                        };
                        /** @enum {string} */
                        event: "ticket_created";
                        timestamp: string;
                    };
                };
            };
            responses: {
                /** @description Received */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    ticket_updated: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A ticket's status, user or queue changed (the queue menu routing it included), or the customer rated a closed ticket (`rating`)
         * @description Headers: `X-Webhook-Event`, `X-Connection-Id`, Standard Webhooks `webhook-id` (the event id, stable across retries), `webhook-timestamp`, `webhook-signature`. Answer 2xx; anything else is retried with backoff.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    /**
                     * @example {
                     *       "event": "ticket_updated",
                     *       "timestamp": "2024-12-01T10:30:00.000Z",
                     *       "connectionId": 1,
                     *       "connectionName": "WhatsApp Principal",
                     *       "connectionNumber": "595981234567",
                     *       "data": {
                     *         "ticketId": 123,
                     *         "status": "open",
                     *         "contact": {
                     *           "id": 45,
                     *           "name": "Juan Pérez",
                     *           "number": "595991234567"
                     *         },
                     *         "queueId": 1,
                     *         "userId": 2,
                     *         "oldStatus": "pending",
                     *         "newStatus": "open"
                     *       }
                     *     }
                     */
                    "application/json": {
                        connectionId: number | null;
                        connectionName: string | null;
                        connectionNumber: string | null;
                        data: {
                            contact: {
                                id: number;
                                name: string;
                                number: string;
                            };
                            newStatus?: string;
                            oldStatus?: string;
                            queueId: number | null;
                            ratedAt?: string;
                            /** @description Only when the customer's answer to the rating request was stored on the (closed) ticket */
                            rating?: number;
                            /** @enum {string} */
                            status: "pending" | "open" | "closed";
                            ticketId: number;
                            /** @description ticket_updated of POST /tickets/{id}/transfer only */
                            transfer?: {
                                /** @description Null when an API token transferred it */
                                byUserId: number | null;
                                fromQueueId: number | null;
                                fromUserId: number | null;
                                /** @description The system line recorded in the conversation */
                                messageId: string;
                                note: string | null;
                                toQueueId: number | null;
                                toUserId: number | null;
                            };
                            userId: number | null;
                        };
                        /** @enum {string} */
                        event: "ticket_updated";
                        timestamp: string;
                    };
                };
            };
            responses: {
                /** @description Received */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export interface components {
    schemas: {
        /**
         * @example {
         *       "id": 2,
         *       "name": "n8n",
         *       "scope": "api",
         *       "hint": "x9Qa",
         *       "createdAt": "2024-12-01T10:00:00.000Z",
         *       "lastUsedAt": "2024-12-01T10:30:00.000Z",
         *       "revokedAt": null
         *     }
         */
        ApiToken: {
            createdAt: string;
            /** @description The last 4 characters, to tell tokens apart */
            hint: string;
            id: number;
            lastUsedAt: string | null;
            name: string;
            revokedAt: string | null;
            /** @enum {string} */
            scope: "admin" | "api";
        };
        ClusterNode: {
            address: string | null;
            connections: number[];
            heartbeatAt: string;
            id: string;
            load: number;
            self: boolean;
            startedAt: string;
        };
        /**
         * @example {
         *       "id": 1,
         *       "name": "WhatsApp Principal",
         *       "number": "595981234567",
         *       "status": "CONNECTED",
         *       "isDefault": true,
         *       "driver": "sandbox",
         *       "battery": null,
         *       "plugged": null,
         *       "isConnected": true,
         *       "qrcode": null,
         *       "statusReason": null,
         *       "greetingMessage": null,
         *       "farewellMessage": null,
         *       "groups": "ignore",
         *       "sendReadReceipts": true,
         *       "historyImportDays": 0,
         *       "agentSignature": false,
         *       "queueIds": [],
         *       "ratingMessage": null,
         *       "pacingMinIntervalMs": 4000,
         *       "pacingJitterMs": 3000,
         *       "pacingTyping": true,
         *       "pacingDailyCap": 1000,
         *       "lastSeenAt": null,
         *       "createdAt": "2024-01-01T00:00:00.000Z",
         *       "updatedAt": "2024-12-01T10:00:00.000Z"
         *     }
         */
        Connection: components["schemas"]["ConnectionSummary"] & {
            /** @description Sign what signed-in agents send: `*Name:*` and a line break before the text (users with `signature` on); the stored body stays unsigned (default false) */
            agentSignature: boolean;
            battery: string | null;
            farewellMessage: string | null;
            greetingMessage: string | null;
            /**
             * @description Group chats: `ignore` (default) or `tickets` (one ticket per group)
             * @enum {string}
             */
            groups: "ignore" | "tickets";
            /** @description Days of recent history imported into closed tickets on first link; 0 (default) = none */
            historyImportDays: number;
            isConnected: boolean;
            lastSeenAt: string | null;
            /** @description Queued sends: at most this many per 24 h, more wait (default 1000; 0 = none) */
            pacingDailyCap: number;
            /** @description Queued sends: random 0..this added, ms (default 3000) */
            pacingJitterMs: number;
            /** @description Queued sends: minimum pause between messages to different chats, ms (default 4000) */
            pacingMinIntervalMs: number;
            /** @description Queued sends: typing presence before each (default true) */
            pacingTyping: boolean;
            plugged: boolean | null;
            qrcode: string | null;
            /** @description The queues this connection offers, in menu order. One queue: every new ticket goes to it. Two or more: the greeting lists them and the customer's numeric answer routes the ticket */
            queueIds: number[];
            /** @description Sent after the farewell when an agent or the API closes a ticket; the customer's 1–5 answer is stored on the ticket (`rating`). Null = no rating request */
            ratingMessage: string | null;
            /** @description Send WhatsApp read receipts when a ticket's unread messages are read (default true) */
            sendReadReceipts: boolean;
            statusReason: string | null;
        };
        /**
         * @example {
         *       "id": 1,
         *       "name": "WhatsApp Principal",
         *       "number": "595981234567",
         *       "status": "CONNECTED",
         *       "isDefault": true,
         *       "driver": "baileys",
         *       "createdAt": "2024-01-01T00:00:00.000Z",
         *       "updatedAt": "2024-12-01T10:00:00.000Z"
         *     }
         */
        ConnectionSummary: {
            createdAt: string;
            /** @enum {string} */
            driver: "baileys" | "sandbox";
            id: number;
            isDefault: boolean;
            name: string;
            number: string | null;
            status: string;
            updatedAt: string;
        };
        /**
         * @example {
         *       "id": 1,
         *       "name": "Juan Pérez",
         *       "number": "595991234567",
         *       "email": "juan@example.com",
         *       "profilePicUrl": null,
         *       "isGroup": false,
         *       "createdAt": "2024-01-15T10:00:00.000Z",
         *       "updatedAt": "2024-12-01T10:30:00.000Z"
         *     }
         */
        Contact: {
            createdAt: string;
            email: string;
            id: number;
            isGroup: boolean;
            name: string;
            number: string;
            profilePicUrl: string | null;
            updatedAt: string;
        };
        /**
         * @example {
         *       "id": 1,
         *       "contactId": 7,
         *       "body": "Prefiere que lo llamen por la tarde",
         *       "userId": 2,
         *       "user": {
         *         "id": 2,
         *         "name": "Ana Agente"
         *       },
         *       "createdAt": "2024-12-01T10:00:00.000Z",
         *       "updatedAt": "2024-12-01T10:00:00.000Z"
         *     }
         */
        ContactNote: {
            body: string;
            contactId: number;
            createdAt: string;
            id: number;
            updatedAt: string;
            user: {
                id: number;
                name: string;
            } | null;
            userId: number | null;
        };
        /**
         * @example {
         *       "timeZone": "America/Asuncion",
         *       "from": "2024-12-02T03:00:00.000Z",
         *       "to": "2024-12-04T15:00:00.001Z",
         *       "todayFrom": "2024-12-04T03:00:00.000Z",
         *       "weekFrom": "2024-12-02T03:00:00.000Z",
         *       "generatedAt": "2024-12-04T15:00:00.000Z",
         *       "totals": {
         *         "open": 4,
         *         "pending": 2,
         *         "closedToday": 3,
         *         "closedThisWeek": 11,
         *         "closed": 11,
         *         "medianFirstResponseMs": 95000,
         *         "firstResponses": 14,
         *         "medianResolutionMs": 5400000
         *       },
         *       "queues": [
         *         {
         *           "queueId": 1,
         *           "name": "Soporte",
         *           "open": 4,
         *           "pending": 2,
         *           "closedToday": 3,
         *           "closedThisWeek": 11,
         *           "closed": 11,
         *           "medianFirstResponseMs": 95000,
         *           "firstResponses": 14,
         *           "medianResolutionMs": 5400000
         *         }
         *       ],
         *       "agents": [
         *         {
         *           "userId": 2,
         *           "name": "Ana Agente",
         *           "open": 4,
         *           "pending": 2,
         *           "closedToday": 3,
         *           "closedThisWeek": 11,
         *           "closed": 11,
         *           "medianFirstResponseMs": 95000,
         *           "firstResponses": 14,
         *           "medianResolutionMs": 5400000
         *         }
         *       ]
         *     }
         */
        Dashboard: {
            agents: {
                /** @description Closed within [from, to) */
                closed: number;
                /** @description Since Monday 00:00 in `tz` */
                closedThisWeek: number;
                closedToday: number;
                /** @description Tickets first answered within [from, to) */
                firstResponses: number;
                /** @description Median time from the customer's first message of a ticket to our first message after it, over the tickets first answered within [from, to); null when none */
                medianFirstResponseMs: number | null;
                /** @description Median time from a ticket's creation to its close, over the tickets closed within [from, to) */
                medianResolutionMs: number | null;
                name: string | null;
                open: number;
                pending: number;
                /** @description null: tickets assigned to nobody */
                userId: number | null;
            }[];
            from: string;
            generatedAt: string;
            queues: {
                /** @description Closed within [from, to) */
                closed: number;
                /** @description Since Monday 00:00 in `tz` */
                closedThisWeek: number;
                closedToday: number;
                /** @description Tickets first answered within [from, to) */
                firstResponses: number;
                /** @description Median time from the customer's first message of a ticket to our first message after it, over the tickets first answered within [from, to); null when none */
                medianFirstResponseMs: number | null;
                /** @description Median time from a ticket's creation to its close, over the tickets closed within [from, to) */
                medianResolutionMs: number | null;
                name: string | null;
                open: number;
                pending: number;
                /** @description null: tickets without a queue */
                queueId: number | null;
            }[];
            timeZone: string;
            to: string;
            todayFrom: string;
            totals: {
                /** @description Closed within [from, to) */
                closed: number;
                /** @description Since Monday 00:00 in `tz` */
                closedThisWeek: number;
                closedToday: number;
                /** @description Tickets first answered within [from, to) */
                firstResponses: number;
                /** @description Median time from the customer's first message of a ticket to our first message after it, over the tickets first answered within [from, to); null when none */
                medianFirstResponseMs: number | null;
                /** @description Median time from a ticket's creation to its close, over the tickets closed within [from, to) */
                medianResolutionMs: number | null;
                open: number;
                pending: number;
            };
            weekFrom: string;
        };
        Error: {
            details?: {
                message: string;
                path: string;
            }[];
            /** @example ERR_TICKET_NOT_FOUND */
            error: string;
            /** @example Ticket not found */
            message: string;
        };
        /**
         * @example {
         *       "id": "3EB0ABC123",
         *       "body": "Hola, necesito ayuda",
         *       "fromMe": false,
         *       "ack": 0,
         *       "mediaUrl": null,
         *       "mediaType": "chat",
         *       "hasMedia": false,
         *       "mediaExpired": false,
         *       "mimeType": null,
         *       "filename": null,
         *       "quotedMsgId": null,
         *       "ticketId": 123,
         *       "timestamp": 1701426600,
         *       "createdAt": "2024-12-01T10:30:00.000Z",
         *       "contact": {
         *         "id": 1,
         *         "name": "Juan Pérez",
         *         "number": "595991234567"
         *       },
         *       "isEdited": false,
         *       "previousBody": null,
         *       "editedAt": null,
         *       "isDeleted": false,
         *       "deletedAt": null,
         *       "reactions": [
         *         {
         *           "emoji": "👍",
         *           "fromMe": true,
         *           "number": null,
         *           "name": null,
         *           "timestamp": 1701426700
         *         }
         *       ],
         *       "participant": null,
         *       "isImported": false,
         *       "userId": null,
         *       "isSystem": false,
         *       "system": null,
         *       "editableUntil": null,
         *       "deletableUntil": null,
         *       "updatedAt": "2024-12-01T10:31:40.000Z",
         *       "status": "sent",
         *       "error": null,
         *       "sendAt": null,
         *       "expiresAt": null
         *     }
         */
        Message: {
            ack: number;
            body: string;
            contact: {
                id: number;
                name: string;
                number: string;
            } | null;
            createdAt: string;
            /** @description Ours: until when it can be deleted for everyone (2 days after sending); else null */
            deletableUntil: string | null;
            deletedAt: string | null;
            /** @description Ours and text: until when WhatsApp accepts an edit (15 min after sending); else null */
            editableUntil: string | null;
            editedAt: string | null;
            /** @description Why a queued message failed (or why its last attempt did): ERR_MESSAGE_EXPIRED, ERR_MESSAGE_CANCELLED, ERR_SENDING_WAPP_MSG… */
            error: {
                code: string;
                reason: string;
            } | null;
            /** @description Queued sends: failed with ERR_MESSAGE_EXPIRED when not sent by then; else null */
            expiresAt: string | null;
            filename: string | null;
            fromMe: boolean;
            hasMedia: boolean;
            id: string;
            /** @description Deleted for everyone on WhatsApp; the body is kept */
            isDeleted: boolean;
            isEdited: boolean;
            /** @description Imported from history at first link (no events) */
            isImported: boolean;
            /** @description A line of the ticket's history (a transfer), never sent to WhatsApp; `system` tells what */
            isSystem: boolean;
            /** @description Its file was deleted after MEDIA_RETENTION_DAYS: `hasMedia` stays true, `mediaUrl` is null */
            mediaExpired: boolean;
            mediaType: string;
            mediaUrl: string | null;
            mimeType: string | null;
            /** @description Who wrote it, in a group ticket */
            participant: {
                name: string | null;
                number: string;
            } | null;
            /** @description The body before the last edit */
            previousBody: string | null;
            quotedMsgId: string | null;
            reactions: components["schemas"]["Reaction"][];
            /** @description Queued sends: not before this time; else null */
            sendAt: string | null;
            /**
             * @description Our side of the send: `queued` (stored, waiting for the send queue), `sending` (handed to WhatsApp, not confirmed yet), `sent` (WhatsApp accepted it; synchronous sends and inbound messages are always `sent`), `failed` (see `error`). Delivery to the phone is `ack`.
             * @enum {string}
             */
            status: "queued" | "sending" | "sent" | "failed";
            /** @description What a system line records (type `transfer`); null for other messages */
            system: {
                byName?: string;
                byUserId?: number | null;
                fromQueueId?: number | null;
                fromUserId?: number | null;
                note?: string | null;
                toQueueId?: number | null;
                toQueueName?: string | null;
                toUserId?: number | null;
                toUserName?: string | null;
                type: string;
            } | null;
            ticketId: number;
            timestamp: number;
            /** @description Last change (ack, edit, delete, reaction) */
            updatedAt: string;
            /** @description The agent who sent it (signed in); null for API tokens, automation and received messages */
            userId: number | null;
        };
        Principal: {
            /** @enum {string} */
            kind: "user";
            sessionId: number;
            user: components["schemas"]["User"];
        } | {
            /** @enum {string} */
            kind: "token";
            name: string;
            /** @enum {string} */
            scope: "admin" | "api";
            /** @description Null for the API_TOKEN of the environment */
            tokenId: number | null;
        };
        /**
         * @example {
         *       "id": 1,
         *       "name": "Soporte",
         *       "color": "#4CAF50",
         *       "greetingMessage": null,
         *       "schedule": null,
         *       "timeZone": null,
         *       "outOfHoursMessage": null,
         *       "createdAt": "2024-12-01T10:00:00.000Z",
         *       "updatedAt": "2024-12-01T10:00:00.000Z"
         *     }
         */
        Queue: {
            color: string;
            createdAt: string;
            greetingMessage: string | null;
            id: number;
            name: string;
            outOfHoursMessage: string | null;
            schedule: components["schemas"]["QueueSchedule"];
            timeZone: string | null;
            updatedAt: string;
        };
        /**
         * @description Opening hours per weekday (`mon`…`sun`), each a list of local `HH:MM` ranges (end exclusive, `24:00` allowed); a missing day is closed
         * @example {
         *       "mon": [
         *         {
         *           "start": "09:00",
         *           "end": "13:00"
         *         },
         *         {
         *           "start": "14:00",
         *           "end": "18:00"
         *         }
         *       ],
         *       "sat": [
         *         {
         *           "start": "09:00",
         *           "end": "12:00"
         *         }
         *       ]
         *     }
         */
        QueueSchedule: {
            fri?: {
                end: string;
                start: string;
            }[];
            mon?: {
                end: string;
                start: string;
            }[];
            sat?: {
                end: string;
                start: string;
            }[];
            sun?: {
                end: string;
                start: string;
            }[];
            thu?: {
                end: string;
                start: string;
            }[];
            tue?: {
                end: string;
                start: string;
            }[];
            wed?: {
                end: string;
                start: string;
            }[];
        } | null;
        /**
         * @example {
         *       "id": 1,
         *       "shortcut": "gracias",
         *       "message": "¡Gracias por escribirnos! ¿Algo más en que podamos ayudarle?",
         *       "mediaUrl": null,
         *       "createdAt": "2024-12-01T10:00:00.000Z",
         *       "updatedAt": "2024-12-01T10:00:00.000Z"
         *     }
         */
        QuickAnswer: {
            createdAt: string;
            id: number;
            mediaUrl: string | null;
            message: string;
            shortcut: string;
            updatedAt: string;
        };
        Reaction: {
            emoji: string;
            fromMe: boolean;
            name: string | null;
            /** @description Who reacted; null for our own number */
            number: string | null;
            timestamp: number;
        };
        Readiness: {
            checks: {
                /** @enum {string} */
                database: "ok" | "error";
                /** @enum {string} */
                media: "ok" | "error";
                /** @enum {string} */
                migrations: "ok" | "pending" | "unknown";
            };
            connections: {
                id: number;
                name: string;
                status: string;
            }[];
            media: {
                /** @description Why the media store failed last; null while it works */
                error: string | null;
                /**
                 * @description DATA_DIR/media, or the MEDIA_S3_BUCKET bucket
                 * @enum {string}
                 */
                store: "local" | "s3";
            };
            outbox: {
                dispatcherRunning: boolean;
                oldestPendingAgeSeconds: number;
                pending: number;
                stuck: boolean;
            } | null;
            /** @description Only with DATABASE_URL: this node and its PostgreSQL. `checks.database`/`checks.migrations` fail when either the PostgreSQL database or the node's local SQLite file fails. */
            postgres?: {
                /** @description Where this node is reached (NODE_ADDRESS, or PUBLIC_URL) */
                address: string;
                /**
                 * @description PostgreSQL answers a query
                 * @enum {string}
                 */
                database: "ok" | "error";
                /**
                 * @description Every PostgreSQL migration this binary embeds is applied
                 * @enum {string}
                 */
                migrations: "ok" | "pending" | "unknown";
                /** @description This node's id (NODE_ID, or hostname + a random suffix per start) */
                node: string;
                /** @description Parts that do not run on PostgreSQL yet: their routes answer 503 and their background work does not start */
                notYet: string[];
            };
            /** @description The HTTP read threads (they answer the GET lists the main thread hands them, from read-only connections): how many there are and how many are ready; null when HTTP_READ_THREADS=0. While none is ready the main thread answers the lists itself, so a dead thread does not make the answer 503. */
            readFront: {
                /** @description Threads listening now; a dead one is started again within a second */
                running: number;
                /** @description HTTP_READ_THREADS */
                threads: number;
            } | null;
            ready: boolean;
        };
        /**
         * @example {
         *       "messageId": "3EB0DEF456",
         *       "body": "Gracias por contactarnos",
         *       "ticketId": 123,
         *       "timestamp": 1701432600,
         *       "fromMe": true,
         *       "ack": 0,
         *       "hasMedia": false,
         *       "mediaUrl": null,
         *       "mediaType": "chat",
         *       "quotedMsgId": null,
         *       "userId": 2,
         *       "status": "sent",
         *       "error": null,
         *       "sendAt": null,
         *       "expiresAt": null
         *     }
         */
        SentMessage: {
            ack: number;
            body: string;
            /** @description Why a queued message failed (or why its last attempt did): ERR_MESSAGE_EXPIRED, ERR_MESSAGE_CANCELLED, ERR_SENDING_WAPP_MSG… */
            error: {
                code: string;
                reason: string;
            } | null;
            /** @description Queued sends: failed with ERR_MESSAGE_EXPIRED when not sent by then; else null */
            expiresAt: string | null;
            filename?: string;
            fromMe: boolean;
            hasMedia: boolean;
            mediaType: string;
            mediaUrl: string | null;
            messageId: string;
            quotedMsgId: string | null;
            /** @description Queued sends: not before this time; else null */
            sendAt: string | null;
            sourceUrl?: string;
            /**
             * @description Our side of the send: `queued` (stored, waiting for the send queue), `sending` (handed to WhatsApp, not confirmed yet), `sent` (WhatsApp accepted it; synchronous sends and inbound messages are always `sent`), `failed` (see `error`). Delivery to the phone is `ack`.
             * @enum {string}
             */
            status: "queued" | "sending" | "sent" | "failed";
            ticketId: number;
            timestamp: number;
            /** @description The signed-in agent who sent it; null for tokens */
            userId: number | null;
        };
        /**
         * @example {
         *       "id": 7,
         *       "userId": 1,
         *       "current": true,
         *       "createdAt": "2024-12-01T10:00:00.000Z",
         *       "lastSeenAt": "2024-12-01T10:30:00.000Z",
         *       "expiresAt": "2024-12-08T10:00:00.000Z",
         *       "idleExpiresAt": "2024-12-01T22:30:00.000Z",
         *       "userAgent": "Mozilla/5.0",
         *       "address": "203.0.113.7"
         *     }
         */
        Session: {
            address: string | null;
            createdAt: string;
            /** @description The session of this request */
            current: boolean;
            /** @description Absolute expiry (SESSION_MAX_HOURS after sign-in) */
            expiresAt: string;
            id: number;
            /** @description Ends here unless used before (SESSION_IDLE_MINUTES) */
            idleExpiresAt: string;
            /** @description Last request (to the minute); idle expiry counts from here */
            lastSeenAt: string;
            userAgent: string | null;
            userId: number;
        };
        /**
         * @example {
         *       "id": "evt_019384a2b1c0f3e2d1a0b9",
         *       "seq": 1042,
         *       "event": "ticket_created",
         *       "connectionId": 1,
         *       "createdAt": "2024-12-01T10:30:00.000Z",
         *       "payload": {
         *         "event": "ticket_created",
         *         "timestamp": "2024-12-01T10:30:00.000Z",
         *         "connectionId": 1,
         *         "connectionName": "WhatsApp Principal",
         *         "connectionNumber": "595981234567",
         *         "data": {
         *           "ticketId": 123,
         *           "status": "pending",
         *           "contact": {
         *             "id": 45,
         *             "name": "Juan Pérez",
         *             "number": "595991234567"
         *           },
         *           "queueId": null,
         *           "userId": null
         *         }
         *       }
         *     }
         */
        StoredEvent: {
            connectionId: number | null;
            createdAt: string;
            event: string;
            /** @description The event id, also the `webhook-id` of its deliveries */
            id: string;
            /** @description The envelope webhooks receive */
            payload: {
                [key: string]: unknown;
            };
            seq: number;
        };
        /**
         * @example {
         *       "id": 1,
         *       "name": "VIP",
         *       "color": "#FFC107",
         *       "createdAt": "2024-12-01T10:00:00.000Z",
         *       "updatedAt": "2024-12-01T10:00:00.000Z"
         *     }
         */
        Tag: {
            color: string;
            createdAt: string;
            id: number;
            name: string;
            updatedAt: string;
        };
        /**
         * @example {
         *       "id": 1,
         *       "status": "open",
         *       "lastMessage": "Hola, necesito ayuda",
         *       "unreadMessages": 0,
         *       "contactId": 1,
         *       "whatsappId": 1,
         *       "queueId": null,
         *       "userId": null,
         *       "rating": null,
         *       "ratedAt": null,
         *       "createdAt": "2024-12-01T10:00:00.000Z",
         *       "updatedAt": "2024-12-01T10:30:00.000Z",
         *       "contact": {
         *         "id": 1,
         *         "name": "Juan Pérez",
         *         "number": "595991234567",
         *         "email": "",
         *         "profilePicUrl": null,
         *         "isGroup": false
         *       },
         *       "whatsapp": {
         *         "id": 1,
         *         "name": "WhatsApp Principal",
         *         "number": "595981234567"
         *       },
         *       "queue": null,
         *       "user": null,
         *       "tags": []
         *     }
         */
        Ticket: {
            contact: {
                email: string;
                id: number;
                isGroup: boolean;
                name: string;
                number: string;
                profilePicUrl: string | null;
            };
            contactId: number;
            createdAt: string;
            id: number;
            lastMessage: string;
            queue: {
                color: string;
                id: number;
                name: string;
            } | null;
            queueId: number | null;
            ratedAt: string | null;
            /** @description The customer's 1–5 answer to the rating request sent on close (connection ratingMessage) */
            rating: number | null;
            /** @enum {string} */
            status: "pending" | "open" | "closed";
            tags: {
                color: string;
                id: number;
                name: string;
            }[];
            unreadMessages: number;
            updatedAt: string;
            user: {
                email: string;
                id: number;
                name: string;
            } | null;
            userId: number | null;
            whatsapp: {
                id: number;
                name: string;
                number: string | null;
            };
            whatsappId: number;
        };
        /**
         * @example {
         *       "id": 1,
         *       "name": "Ana Agente",
         *       "email": "ana@example.com",
         *       "role": "agent",
         *       "queueIds": [
         *         1
         *       ],
         *       "signature": true,
         *       "notifications": true,
         *       "disabled": false,
         *       "hasPassword": true,
         *       "createdAt": "2024-12-01T10:00:00.000Z",
         *       "updatedAt": "2024-12-01T10:00:00.000Z"
         *     }
         */
        User: {
            createdAt: string;
            /** @description Cannot sign in; has no sessions */
            disabled: boolean;
            email: string;
            /** @description A password is set (the hash is never shown) */
            hasPassword: boolean;
            id: number;
            name: string;
            /** @description The panel notifies (sound, desktop) of new messages in my tickets/queues */
            notifications: boolean;
            /** @description The queues this user works */
            queueIds: number[];
            /**
             * @description `admin`: everything, including admin routes; `supervisor`: sees every ticket; `agent`: sees the tickets of its queues and those with no queue
             * @enum {string}
             */
            role: "admin" | "supervisor" | "agent";
            /** @description Prefix `*Name:*` to what this user sends, on connections with `agentSignature` */
            signature: boolean;
            updatedAt: string;
        };
        /**
         * @example {
         *       "id": 3,
         *       "connectionId": 1,
         *       "url": "https://example.com/hooks/whatsapp",
         *       "enabled": true,
         *       "events": [
         *         "message_received",
         *         "message_ack"
         *       ],
         *       "disabledReason": null,
         *       "createdAt": "2024-12-01T10:00:00.000Z",
         *       "updatedAt": "2024-12-01T10:00:00.000Z"
         *     }
         */
        Webhook: {
            connectionId: number;
            createdAt: string;
            disabledReason: string | null;
            enabled: boolean;
            events: string[];
            id: number;
            /** @description Only in the response that created the webhook */
            secret?: string;
            updatedAt: string;
            url: string;
        };
        /**
         * @example {
         *       "id": 42,
         *       "eventId": "evt_019384a2b1c0f3e2d1a0b9",
         *       "event": "message_received",
         *       "connectionId": 1,
         *       "webhookId": 3,
         *       "url": "https://example.com/hooks/whatsapp",
         *       "status": "pending",
         *       "attempts": 2,
         *       "lastStatusCode": 503,
         *       "lastError": "receiver answered 503",
         *       "nextAttemptAt": "2024-12-01T10:31:20.000Z",
         *       "createdAt": "2024-12-01T10:30:00.000Z",
         *       "deliveredAt": null
         *     }
         */
        WebhookDelivery: {
            attempts: number;
            connectionId: number;
            createdAt: string;
            deliveredAt: string | null;
            event: string;
            /** @description The `webhook-id` header sent with every attempt */
            eventId: string;
            id: number;
            lastError: string | null;
            lastStatusCode: number | null;
            /** @description When a pending delivery is tried next */
            nextAttemptAt: string | null;
            /** @enum {string} */
            status: "pending" | "delivering" | "delivered" | "failed";
            url: string;
            webhookId: number;
        };
        /**
         * @example {
         *       "id": 42,
         *       "eventId": "evt_019384a2b1c0f3e2d1a0b9",
         *       "event": "message_received",
         *       "connectionId": 1,
         *       "webhookId": 3,
         *       "url": "https://example.com/hooks/whatsapp",
         *       "status": "pending",
         *       "attempts": 2,
         *       "lastStatusCode": 503,
         *       "lastError": "receiver answered 503",
         *       "nextAttemptAt": "2024-12-01T10:31:20.000Z",
         *       "createdAt": "2024-12-01T10:30:00.000Z",
         *       "deliveredAt": null
         *     }
         */
        WebhookDeliveryDetail: components["schemas"]["WebhookDelivery"] & {
            /** @description The exact envelope delivered */
            payload: {
                [key: string]: unknown;
            };
        };
        /**
         * @example {
         *       "webhookId": 3,
         *       "eventId": "evt_019384a2b1c0f3e2d1a0b9",
         *       "delivered": true,
         *       "statusCode": 200,
         *       "error": null,
         *       "durationMs": 41
         *     }
         */
        WebhookTestResult: {
            /** @description true when the receiver answered 2xx */
            delivered: boolean;
            durationMs: number;
            error: string | null;
            eventId: string;
            statusCode: number | null;
            webhookId: number;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
