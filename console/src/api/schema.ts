// Generated from the platform's /openapi.json by `npm run console:api` (scripts/console-api-types.ts).
// Do not edit: test/console/api-types.test.ts fails when this file and the routes disagree.

export interface paths {
    "/checkpoint": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** tlog-tiles checkpoint (same as /v1/ledger/checkpoint) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the signed note */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example roboledger.example/log
                         *     1024
                         *     AAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=
                         *
                         *     — roboledger.example/log nqEO/ZdqcV47QI05j6nABAMsea/poX6GSFarOlNoSiyjARLPs5Wh54BibhhALiOSDXlwsEt6ozlV+lns5pi+GV/OxAQ=
                         */
                        "text/plain": string;
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
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: the process answers, and whether it leads the cluster. While it starts or drains (after SIGTERM) it answers 503 with {"status": "starting" | "draining", "leader"}: take it out of the load balancer */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "status": "ok",
                         *       "leader": false
                         *     }
                         */
                        "application/json": {
                            /** @description this node runs the periodic work (checkpoints, sweeps) */
                            leader: boolean;
                            /** @enum {string} */
                            status: "ok";
                        };
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
        /** Prometheus metrics (text exposition format), with Authorization: Bearer <ROBOLEDGER_METRICS_TOKEN>; 404 when that is not set */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Prometheus text */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example # HELP roboledger_http_requests_total HTTP requests by route and status
                         *     # TYPE roboledger_http_requests_total counter
                         *     roboledger_http_requests_total{method="GET",route="/v1/robots/:robotId",status="200"} 17
                         */
                        "text/plain": string;
                    };
                };
                /** @description no metrics token, or another one (METRICS_UNAUTHENTICATED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, listed in docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description ROBOLEDGER_METRICS_TOKEN is not set */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, listed in docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: the database answers; 503 NOT_READY otherwise */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "status": "ready"
                         *     }
                         */
                        "application/json": {
                            /** @enum {string} */
                            status: "ready";
                        };
                    };
                };
                /** @description the database is not reachable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_READY",
                         *         "message": "The platform is starting or its database is unreachable."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, listed in docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/tile/{*}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** tlog-tiles: hash tile /tile/<L>/<N>[.p/<W>] or entry bundle /tile/entries/<N>[.p/<W>] */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    "*": string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description tile bytes */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /** @example (binary) */
                        "application/octet-stream": string;
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "LEDGER_BUNDLE_UNAVAILABLE",
                         *         "message": "An entry of this bundle exceeds the 65,535 bytes tlog-tiles allows; read it from /v1/ledger/entries."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/alerts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Alerts of the robots the caller may read, newest first */
        get: {
            parameters: {
                query?: {
                    /** @description only alerts of this condition, e.g. retired_id_reporting */
                    condition?: string;
                    cursor?: string;
                    limit?: number;
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId?: string;
                    state?: "open" | "acknowledged";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "alertId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "robotId": "CNB7K2B0A3T511000000000123455",
                         *           "condition": "x",
                         *           "state": "open",
                         *           "message": "scheduled maintenance done",
                         *           "value": 0.5,
                         *           "threshold": 0.5,
                         *           "detail": {},
                         *           "sampleAt": "2026-11-26T08:00:00.000Z",
                         *           "seq": 42,
                         *           "raisedAt": "2026-11-26T08:00:00.000Z",
                         *           "clearedAt": "2026-11-26T08:00:00.000Z",
                         *           "ledgerIndex": 42,
                         *           "acknowledgement": {
                         *             "at": "2026-11-26T08:00:00.000Z",
                         *             "byOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *             "byKeyId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *             "note": "replaced the left knee actuator",
                         *             "ledgerIndex": 42
                         *           }
                         *         }
                         *       ],
                         *       "nextCursor": null
                         *     }
                         */
                        "application/json": {
                            items: {
                                acknowledgement: {
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    at: string;
                                    /** Format: uuid */
                                    byKeyId: string | null;
                                    /** Format: uuid */
                                    byOrgId: string;
                                    ledgerIndex: number;
                                    note: string | null;
                                } | null;
                                /** Format: uuid */
                                alertId: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                clearedAt: string | null;
                                /** @description battery_soh_low | joint_wear_high | position_error_high | seq_conflict | usage_counter_rollback | retired_id_reporting | fault:<CODE> */
                                condition: string;
                                detail: {
                                    [key: string]: unknown;
                                };
                                ledgerIndex: number;
                                message: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                raisedAt: string;
                                robotId: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                sampleAt: string;
                                seq: number;
                                /** @enum {unknown} */
                                state: "open" | "acknowledged";
                                threshold: number | null;
                                value: number | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/alerts/{alertId}/ack": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Acknowledge an alert (owner or its maintainer); records who and when, in the ledger */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    alertId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "note": "replaced the left knee actuator"
                     *     }
                     */
                    "application/json": {
                        note?: string;
                    };
                };
            };
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "alertId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "condition": "x",
                         *       "state": "open",
                         *       "message": "scheduled maintenance done",
                         *       "value": 0.5,
                         *       "threshold": 0.5,
                         *       "detail": {},
                         *       "sampleAt": "2026-11-26T08:00:00.000Z",
                         *       "seq": 42,
                         *       "raisedAt": "2026-11-26T08:00:00.000Z",
                         *       "clearedAt": "2026-11-26T08:00:00.000Z",
                         *       "ledgerIndex": 42,
                         *       "acknowledgement": {
                         *         "at": "2026-11-26T08:00:00.000Z",
                         *         "byOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *         "byKeyId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *         "note": "replaced the left knee actuator",
                         *         "ledgerIndex": 42
                         *       }
                         *     }
                         */
                        "application/json": {
                            acknowledgement: {
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                at: string;
                                /** Format: uuid */
                                byKeyId: string | null;
                                /** Format: uuid */
                                byOrgId: string;
                                ledgerIndex: number;
                                note: string | null;
                            } | null;
                            /** Format: uuid */
                            alertId: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            clearedAt: string | null;
                            /** @description battery_soh_low | joint_wear_high | position_error_high | seq_conflict | usage_counter_rollback | retired_id_reporting | fault:<CODE> */
                            condition: string;
                            detail: {
                                [key: string]: unknown;
                            };
                            ledgerIndex: number;
                            message: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            raisedAt: string;
                            robotId: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            sampleAt: string;
                            seq: number;
                            /** @enum {unknown} */
                            state: "open" | "acknowledged";
                            threshold: number | null;
                            value: number | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "CONFLICT",
                         *         "message": "The request conflicts with an existing record."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/directory/orgs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Find an organisation (to transfer a robot to, or to grant access) by a part of its name; public fields only */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    kind?: "manufacturer" | "operator" | "maintainer" | "software_provider" | "assessor" | "recycler" | "regulator";
                    limit?: number;
                    /** @description part of the name, any case */
                    q?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "name": "Shenzhen Humanoid Works",
                         *           "kind": "operator",
                         *           "country": "CN"
                         *         }
                         *       ],
                         *       "nextCursor": null
                         *     }
                         */
                        "application/json": {
                            items: {
                                country: string;
                                /** Format: uuid */
                                id: string;
                                /** @enum {unknown} */
                                kind: "registry" | "manufacturer" | "operator" | "maintainer" | "software_provider" | "assessor" | "recycler" | "regulator";
                                name: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/fleet/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Assessed robots with grade and open advisories (registry, regulators: all; others: the robots they own) */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    grade?: "good" | "watch" | "poor";
                    limit?: number;
                    orgId?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "robotId": "CNB7K2B0A3T511000000000123455",
                         *           "ownerOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "status": "in_service",
                         *           "grade": "good",
                         *           "assessedAt": "2026-11-26T08:00:00.000Z",
                         *           "operatingHours": 1532.4,
                         *           "summary": {},
                         *           "advisories": [
                         *             {
                         *               "advisoryId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *               "kind": "battery_soh",
                         *               "component": "x",
                         *               "dueBy": "2026-11-26T08:00:00.000Z",
                         *               "dueInHours": 0.5,
                         *               "reason": "x",
                         *               "status": "open",
                         *               "raisedAt": "2026-11-26T08:00:00.000Z",
                         *               "closedAt": "2026-11-26T08:00:00.000Z",
                         *               "closedByEventId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *               "ledgerIndex": 42
                         *             }
                         *           ]
                         *         }
                         *       ],
                         *       "nextCursor": null
                         *     }
                         */
                        "application/json": {
                            items: {
                                advisories: {
                                    /** Format: uuid */
                                    advisoryId: string;
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    closedAt: string | null;
                                    /** Format: uuid */
                                    closedByEventId: string | null;
                                    /** @description battery, battery:<packId>, joint:<index> or accuracy */
                                    component: string;
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    dueBy: string;
                                    /** @description operating hours left when raised */
                                    dueInHours: number;
                                    /** @enum {unknown} */
                                    kind: "battery_soh" | "joint_wear" | "position_error";
                                    ledgerIndex: number;
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    raisedAt: string;
                                    reason: string;
                                    /** @enum {unknown} */
                                    status: "open" | "closed";
                                }[];
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                assessedAt: string;
                                /** @enum {unknown} */
                                grade: "good" | "watch" | "poor";
                                operatingHours: number;
                                /** Format: uuid */
                                ownerOrgId: string;
                                robotId: string;
                                status: string;
                                summary: {
                                    [key: string]: unknown;
                                };
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/incidents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Incidents the caller may see, newest first (authorities: all; parties and reporters: theirs) */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    /** @description only those whose due report is late (or not) */
                    overdue?: boolean;
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId?: string;
                    status?: "reported" | "investigating" | "preliminary_report" | "final_report" | "closed";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "incidentId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "robotId": "CNB7K2B0A3T511000000000123455",
                         *           "kind": "injury",
                         *           "severity": "fatal",
                         *           "status": "reported",
                         *           "description": "x",
                         *           "location": "x",
                         *           "widespread": false,
                         *           "occurredAt": "2026-11-26T08:00:00.000Z",
                         *           "awareAt": "2026-11-26T08:00:00.000Z",
                         *           "reportedAt": "2026-11-26T08:00:00.000Z",
                         *           "reportedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "reportingDeadline": "2026-11-26T08:00:00.000Z",
                         *           "hold": {
                         *             "active": false,
                         *             "since": "2026-11-26T08:00:00.000Z",
                         *             "releasedAt": "2026-11-26T08:00:00.000Z",
                         *             "releasedBy": "0f8fad5b-d9cb-469f-a165-70867728950e"
                         *           },
                         *           "parties": [
                         *             {
                         *               "role": "manufacturer",
                         *               "orgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *               "component": "x"
                         *             }
                         *           ],
                         *           "evidence": {
                         *             "window": {
                         *               "from": "2026-11-26T08:00:00.000Z",
                         *               "to": "2026-11-26T08:00:00.000Z"
                         *             },
                         *             "items": [
                         *               {
                         *                 "itemId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *                 "kind": "configuration",
                         *                 "sha256": "a3f1c09e5b7d2468ac0e1f3b5d7092c4e6f8a1b3c5d7e9f0213546879bacedf0",
                         *                 "ledgerIndex": 42,
                         *                 "size": 1024,
                         *                 "mediaType": "x",
                         *                 "filename": "x"
                         *               }
                         *             ]
                         *           },
                         *           "investigation": {
                         *             "preliminaryReportDue": "2026-11-26T08:00:00.000Z",
                         *             "finalReportDue": "2026-11-26T08:00:00.000Z",
                         *             "overdue": false
                         *           },
                         *           "findings": [
                         *             {
                         *               "findingsId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *               "parties": [
                         *                 {
                         *                   "role": "manufacturer",
                         *                   "orgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *                   "component": "x",
                         *                   "responsibility": "x",
                         *                   "basis": [
                         *                     "0f8fad5b-d9cb-469f-a165-70867728950e"
                         *                   ],
                         *                   "presumption": "x",
                         *                   "note": "replaced the left knee actuator"
                         *                 }
                         *               ],
                         *               "conclusion": "x",
                         *               "recordedAt": "2026-11-26T08:00:00.000Z",
                         *               "recordedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *               "ledgerIndex": 42
                         *             }
                         *           ],
                         *           "ledgerIndex": 42
                         *         }
                         *       ],
                         *       "nextCursor": null
                         *     }
                         */
                        "application/json": {
                            items: {
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                awareAt: string;
                                description: string;
                                evidence: {
                                    items: {
                                        filename?: string;
                                        /** Format: uuid */
                                        itemId: string;
                                        /** @enum {unknown} */
                                        kind: "configuration" | "telemetry" | "control_timeline" | "alerts" | "events" | "access_log" | "attachment";
                                        /** @description the ledger record that commits the item */
                                        ledgerIndex: number;
                                        mediaType?: string;
                                        /** @description lowercase hex SHA-256 */
                                        sha256: string;
                                        size?: number;
                                    }[];
                                    window: {
                                        /**
                                         * Format: date-time
                                         * @description RFC 3339
                                         */
                                        from: string;
                                        /**
                                         * Format: date-time
                                         * @description RFC 3339
                                         */
                                        to: string;
                                    };
                                };
                                findings: {
                                    conclusion: string;
                                    /** Format: uuid */
                                    findingsId: string;
                                    ledgerIndex: number;
                                    parties: {
                                        basis: string[];
                                        component?: string;
                                        note: string | null;
                                        /** Format: uuid */
                                        orgId: string;
                                        presumption: string | null;
                                        responsibility: string;
                                        /** @enum {unknown} */
                                        role: "manufacturer" | "software_provider" | "operator" | "maintainer";
                                    }[];
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    recordedAt: string;
                                    /** Format: uuid */
                                    recordedBy: string;
                                }[];
                                hold: {
                                    active: boolean;
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    releasedAt: string | null;
                                    /** Format: uuid */
                                    releasedBy: string | null;
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    since: string | null;
                                };
                                /** Format: uuid */
                                incidentId: string;
                                investigation: {
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    finalReportDue: string;
                                    overdue: boolean;
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    preliminaryReportDue: string;
                                };
                                /** @enum {unknown} */
                                kind: "injury" | "property_damage" | "collision" | "fall" | "malfunction" | "near_miss" | "data_breach" | "information_leak" | "cybersecurity" | "other";
                                ledgerIndex: number;
                                location: string | null;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                occurredAt: string;
                                parties: {
                                    component?: string;
                                    /** Format: uuid */
                                    orgId: string;
                                    /** @enum {unknown} */
                                    role: "manufacturer" | "software_provider" | "operator" | "maintainer";
                                }[];
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                reportedAt: string;
                                /** Format: uuid */
                                reportedBy: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                reportingDeadline: string | null;
                                /** @description the robot ID when reported */
                                robotId: string;
                                /** @enum {unknown} */
                                severity: "fatal" | "serious" | "moderate" | "minor" | "near_miss";
                                /** @enum {unknown} */
                                status: "reported" | "investigating" | "preliminary_report" | "final_report" | "closed";
                                widespread: boolean;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Report an incident on a robot (any organisation that sees it): freezes the evidence; fatal or serious holds the robot */
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
                     *       "robotId": "CNB7K2B0A3T511000000000123455",
                     *       "occurredAt": "2026-11-26T08:00:00.000Z",
                     *       "kind": "injury",
                     *       "severity": "fatal",
                     *       "description": "x",
                     *       "awareAt": "2026-11-26T08:00:00.000Z",
                     *       "location": "x",
                     *       "widespread": false
                     *     }
                     */
                    "application/json": {
                        /**
                         * Format: date-time
                         * @description RFC 3339
                         */
                        awareAt?: string;
                        description: string;
                        /** @enum {unknown} */
                        kind: "injury" | "property_damage" | "collision" | "fall" | "malfunction" | "near_miss" | "data_breach" | "information_leak" | "cybersecurity" | "other";
                        location?: string;
                        /**
                         * Format: date-time
                         * @description RFC 3339
                         */
                        occurredAt: string;
                        /** @description robot ID (RID-1), canonical or display form */
                        robotId: string;
                        /** @enum {unknown} */
                        severity: "fatal" | "serious" | "moderate" | "minor" | "near_miss";
                        widespread?: boolean;
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "incidentId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "kind": "injury",
                         *       "severity": "fatal",
                         *       "status": "reported",
                         *       "description": "x",
                         *       "location": "x",
                         *       "widespread": false,
                         *       "occurredAt": "2026-11-26T08:00:00.000Z",
                         *       "awareAt": "2026-11-26T08:00:00.000Z",
                         *       "reportedAt": "2026-11-26T08:00:00.000Z",
                         *       "reportedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "reportingDeadline": "2026-11-26T08:00:00.000Z",
                         *       "hold": {
                         *         "active": false,
                         *         "since": "2026-11-26T08:00:00.000Z",
                         *         "releasedAt": "2026-11-26T08:00:00.000Z",
                         *         "releasedBy": "0f8fad5b-d9cb-469f-a165-70867728950e"
                         *       },
                         *       "parties": [
                         *         {
                         *           "role": "manufacturer",
                         *           "orgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "component": "x"
                         *         }
                         *       ],
                         *       "evidence": {
                         *         "window": {
                         *           "from": "2026-11-26T08:00:00.000Z",
                         *           "to": "2026-11-26T08:00:00.000Z"
                         *         },
                         *         "items": [
                         *           {
                         *             "itemId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *             "kind": "configuration",
                         *             "sha256": "a3f1c09e5b7d2468ac0e1f3b5d7092c4e6f8a1b3c5d7e9f0213546879bacedf0",
                         *             "ledgerIndex": 42,
                         *             "size": 1024,
                         *             "mediaType": "x",
                         *             "filename": "x"
                         *           }
                         *         ]
                         *       },
                         *       "investigation": {
                         *         "preliminaryReportDue": "2026-11-26T08:00:00.000Z",
                         *         "finalReportDue": "2026-11-26T08:00:00.000Z",
                         *         "overdue": false
                         *       },
                         *       "findings": [
                         *         {
                         *           "findingsId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "parties": [
                         *             {
                         *               "role": "manufacturer",
                         *               "orgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *               "component": "x",
                         *               "responsibility": "x",
                         *               "basis": [
                         *                 "0f8fad5b-d9cb-469f-a165-70867728950e"
                         *               ],
                         *               "presumption": "x",
                         *               "note": "replaced the left knee actuator"
                         *             }
                         *           ],
                         *           "conclusion": "x",
                         *           "recordedAt": "2026-11-26T08:00:00.000Z",
                         *           "recordedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "ledgerIndex": 42
                         *         }
                         *       ],
                         *       "ledgerIndex": 42
                         *     }
                         */
                        "application/json": {
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            awareAt: string;
                            description: string;
                            evidence: {
                                items: {
                                    filename?: string;
                                    /** Format: uuid */
                                    itemId: string;
                                    /** @enum {unknown} */
                                    kind: "configuration" | "telemetry" | "control_timeline" | "alerts" | "events" | "access_log" | "attachment";
                                    /** @description the ledger record that commits the item */
                                    ledgerIndex: number;
                                    mediaType?: string;
                                    /** @description lowercase hex SHA-256 */
                                    sha256: string;
                                    size?: number;
                                }[];
                                window: {
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    from: string;
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    to: string;
                                };
                            };
                            findings: {
                                conclusion: string;
                                /** Format: uuid */
                                findingsId: string;
                                ledgerIndex: number;
                                parties: {
                                    basis: string[];
                                    component?: string;
                                    note: string | null;
                                    /** Format: uuid */
                                    orgId: string;
                                    presumption: string | null;
                                    responsibility: string;
                                    /** @enum {unknown} */
                                    role: "manufacturer" | "software_provider" | "operator" | "maintainer";
                                }[];
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                recordedAt: string;
                                /** Format: uuid */
                                recordedBy: string;
                            }[];
                            hold: {
                                active: boolean;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                releasedAt: string | null;
                                /** Format: uuid */
                                releasedBy: string | null;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                since: string | null;
                            };
                            /** Format: uuid */
                            incidentId: string;
                            investigation: {
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                finalReportDue: string;
                                overdue: boolean;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                preliminaryReportDue: string;
                            };
                            /** @enum {unknown} */
                            kind: "injury" | "property_damage" | "collision" | "fall" | "malfunction" | "near_miss" | "data_breach" | "information_leak" | "cybersecurity" | "other";
                            ledgerIndex: number;
                            location: string | null;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            occurredAt: string;
                            parties: {
                                component?: string;
                                /** Format: uuid */
                                orgId: string;
                                /** @enum {unknown} */
                                role: "manufacturer" | "software_provider" | "operator" | "maintainer";
                            }[];
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            reportedAt: string;
                            /** Format: uuid */
                            reportedBy: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            reportingDeadline: string | null;
                            /** @description the robot ID when reported */
                            robotId: string;
                            /** @enum {unknown} */
                            severity: "fatal" | "serious" | "moderate" | "minor" | "near_miss";
                            /** @enum {unknown} */
                            status: "reported" | "investigating" | "preliminary_report" | "final_report" | "closed";
                            widespread: boolean;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/incidents/{incidentId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One incident (authorities, its parties, its reporter) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    incidentId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "incidentId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "kind": "injury",
                         *       "severity": "fatal",
                         *       "status": "reported",
                         *       "description": "x",
                         *       "location": "x",
                         *       "widespread": false,
                         *       "occurredAt": "2026-11-26T08:00:00.000Z",
                         *       "awareAt": "2026-11-26T08:00:00.000Z",
                         *       "reportedAt": "2026-11-26T08:00:00.000Z",
                         *       "reportedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "reportingDeadline": "2026-11-26T08:00:00.000Z",
                         *       "hold": {
                         *         "active": false,
                         *         "since": "2026-11-26T08:00:00.000Z",
                         *         "releasedAt": "2026-11-26T08:00:00.000Z",
                         *         "releasedBy": "0f8fad5b-d9cb-469f-a165-70867728950e"
                         *       },
                         *       "parties": [
                         *         {
                         *           "role": "manufacturer",
                         *           "orgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "component": "x"
                         *         }
                         *       ],
                         *       "evidence": {
                         *         "window": {
                         *           "from": "2026-11-26T08:00:00.000Z",
                         *           "to": "2026-11-26T08:00:00.000Z"
                         *         },
                         *         "items": [
                         *           {
                         *             "itemId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *             "kind": "configuration",
                         *             "sha256": "a3f1c09e5b7d2468ac0e1f3b5d7092c4e6f8a1b3c5d7e9f0213546879bacedf0",
                         *             "ledgerIndex": 42,
                         *             "size": 1024,
                         *             "mediaType": "x",
                         *             "filename": "x"
                         *           }
                         *         ]
                         *       },
                         *       "investigation": {
                         *         "preliminaryReportDue": "2026-11-26T08:00:00.000Z",
                         *         "finalReportDue": "2026-11-26T08:00:00.000Z",
                         *         "overdue": false
                         *       },
                         *       "findings": [
                         *         {
                         *           "findingsId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "parties": [
                         *             {
                         *               "role": "manufacturer",
                         *               "orgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *               "component": "x",
                         *               "responsibility": "x",
                         *               "basis": [
                         *                 "0f8fad5b-d9cb-469f-a165-70867728950e"
                         *               ],
                         *               "presumption": "x",
                         *               "note": "replaced the left knee actuator"
                         *             }
                         *           ],
                         *           "conclusion": "x",
                         *           "recordedAt": "2026-11-26T08:00:00.000Z",
                         *           "recordedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "ledgerIndex": 42
                         *         }
                         *       ],
                         *       "ledgerIndex": 42
                         *     }
                         */
                        "application/json": {
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            awareAt: string;
                            description: string;
                            evidence: {
                                items: {
                                    filename?: string;
                                    /** Format: uuid */
                                    itemId: string;
                                    /** @enum {unknown} */
                                    kind: "configuration" | "telemetry" | "control_timeline" | "alerts" | "events" | "access_log" | "attachment";
                                    /** @description the ledger record that commits the item */
                                    ledgerIndex: number;
                                    mediaType?: string;
                                    /** @description lowercase hex SHA-256 */
                                    sha256: string;
                                    size?: number;
                                }[];
                                window: {
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    from: string;
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    to: string;
                                };
                            };
                            findings: {
                                conclusion: string;
                                /** Format: uuid */
                                findingsId: string;
                                ledgerIndex: number;
                                parties: {
                                    basis: string[];
                                    component?: string;
                                    note: string | null;
                                    /** Format: uuid */
                                    orgId: string;
                                    presumption: string | null;
                                    responsibility: string;
                                    /** @enum {unknown} */
                                    role: "manufacturer" | "software_provider" | "operator" | "maintainer";
                                }[];
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                recordedAt: string;
                                /** Format: uuid */
                                recordedBy: string;
                            }[];
                            hold: {
                                active: boolean;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                releasedAt: string | null;
                                /** Format: uuid */
                                releasedBy: string | null;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                since: string | null;
                            };
                            /** Format: uuid */
                            incidentId: string;
                            investigation: {
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                finalReportDue: string;
                                overdue: boolean;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                preliminaryReportDue: string;
                            };
                            /** @enum {unknown} */
                            kind: "injury" | "property_damage" | "collision" | "fall" | "malfunction" | "near_miss" | "data_breach" | "information_leak" | "cybersecurity" | "other";
                            ledgerIndex: number;
                            location: string | null;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            occurredAt: string;
                            parties: {
                                component?: string;
                                /** Format: uuid */
                                orgId: string;
                                /** @enum {unknown} */
                                role: "manufacturer" | "software_provider" | "operator" | "maintainer";
                            }[];
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            reportedAt: string;
                            /** Format: uuid */
                            reportedBy: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            reportingDeadline: string | null;
                            /** @description the robot ID when reported */
                            robotId: string;
                            /** @enum {unknown} */
                            severity: "fatal" | "serious" | "moderate" | "minor" | "near_miss";
                            /** @enum {unknown} */
                            status: "reported" | "investigating" | "preliminary_report" | "final_report" | "closed";
                            widespread: boolean;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/incidents/{incidentId}/analysis": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The preliminary attribution: versioned rules over the evidence, each indicator citing items (not a verdict) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    incidentId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "rulesVersion": "x",
                         *       "parties": [
                         *         {
                         *           "role": "manufacturer",
                         *           "orgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "component": "x",
                         *           "indicators": [
                         *             {
                         *               "rule": "hardware-fault-code",
                         *               "summary": "x",
                         *               "evidence": [
                         *                 "0f8fad5b-d9cb-469f-a165-70867728950e"
                         *               ]
                         *             }
                         *           ]
                         *         }
                         *       ],
                         *       "missingEvidence": [
                         *         {
                         *           "kind": "telemetry",
                         *           "summary": "x"
                         *         }
                         *       ]
                         *     }
                         */
                        "application/json": {
                            missingEvidence: {
                                /** @enum {unknown} */
                                kind: "telemetry" | "control_mode" | "software_provider";
                                summary: string;
                            }[];
                            parties: {
                                component?: string;
                                indicators: {
                                    evidence: string[];
                                    /** @enum {unknown} */
                                    rule: "hardware-fault-code" | "software-fault-code" | "recent-software-update" | "human-control" | "outside-limits" | "recent-maintenance" | "missing-telemetry";
                                    summary: string;
                                }[];
                                /** Format: uuid */
                                orgId: string;
                                /** @enum {unknown} */
                                role: "manufacturer" | "software_provider" | "operator" | "maintainer";
                            }[];
                            rulesVersion: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/incidents/{incidentId}/attachments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Add a file to the evidence (parties, reporter, authorities): the raw bytes, any Content-Type, X-Filename; at most 20 MiB */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    incidentId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "itemId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "kind": "configuration",
                         *       "sha256": "a3f1c09e5b7d2468ac0e1f3b5d7092c4e6f8a1b3c5d7e9f0213546879bacedf0",
                         *       "ledgerIndex": 42,
                         *       "size": 1024,
                         *       "mediaType": "x",
                         *       "filename": "x"
                         *     }
                         */
                        "application/json": {
                            filename?: string;
                            /** Format: uuid */
                            itemId: string;
                            /** @enum {unknown} */
                            kind: "configuration" | "telemetry" | "control_timeline" | "alerts" | "events" | "access_log" | "attachment";
                            /** @description the ledger record that commits the item */
                            ledgerIndex: number;
                            mediaType?: string;
                            /** @description lowercase hex SHA-256 */
                            sha256: string;
                            size?: number;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "PAYLOAD_TOO_LARGE",
                         *         "message": "The body exceeds the size limit of the route."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/incidents/{incidentId}/bundle": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The evidence bundle (parties, authorities): incident, items, and every ledger record involved with its proof against one checkpoint; check it offline with `roboledger verify bundle` */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    incidentId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description format roboledger-incident-bundle/1 (docs/incidents.md "The bundle") */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "format": "x"
                         *     }
                         */
                        "application/json": {
                            format: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/incidents/{incidentId}/custody": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The custody log: every read, export and addition of the evidence (parties, authorities) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    incidentId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "at": "2026-11-26T08:00:00.000Z",
                         *           "orgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "keyId": "x",
                         *           "itemId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "action": "read"
                         *         }
                         *       ]
                         *     }
                         */
                        "application/json": {
                            items: {
                                /** @enum {unknown} */
                                action: "read" | "export" | "add";
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                at: string;
                                /** Format: uuid */
                                itemId: string | null;
                                keyId: string | null;
                                /** Format: uuid */
                                orgId: string;
                            }[];
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/incidents/{incidentId}/evidence/{itemId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One evidence item (parties, authorities): JSON with its content or JWS; an attachment as its bytes. Every read is in the custody log */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    incidentId: string;
                    itemId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the item (JSON), or the attachment’s bytes with its media type and Repr-Digest */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "itemId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "kind": "configuration",
                         *       "sha256": "a3f1c09e5b7d2468ac0e1f3b5d7092c4e6f8a1b3c5d7e9f0213546879bacedf0",
                         *       "ledgerIndex": 42,
                         *       "size": 1024,
                         *       "mediaType": "x",
                         *       "filename": "x",
                         *       "content": null,
                         *       "jws": "x"
                         *     }
                         */
                        "application/json": {
                            content?: unknown;
                            filename?: string;
                            /** Format: uuid */
                            itemId: string;
                            jws?: string;
                            /** @enum {unknown} */
                            kind: "configuration" | "telemetry" | "control_timeline" | "alerts" | "events" | "access_log" | "attachment";
                            /** @description the ledger record that commits the item */
                            ledgerIndex: number;
                            mediaType?: string;
                            /** @description lowercase hex SHA-256 */
                            sha256: string;
                            size?: number;
                        };
                        /** @example (binary) */
                        "application/octet-stream": string;
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/incidents/{incidentId}/findings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Record findings of responsibility (registry, regulator; once investigating) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    incidentId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "parties": [
                     *         {
                     *           "role": "manufacturer",
                     *           "orgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                     *           "component": "x",
                     *           "responsibility": "primary",
                     *           "basis": [
                     *             "0f8fad5b-d9cb-469f-a165-70867728950e"
                     *           ],
                     *           "presumption": "x",
                     *           "note": "replaced the left knee actuator"
                     *         }
                     *       ],
                     *       "conclusion": "x"
                     *     }
                     */
                    "application/json": {
                        conclusion: string;
                        parties: {
                            /** @description evidence item ids the finding rests on */
                            basis: string[];
                            component?: string;
                            note?: string | null;
                            /** Format: uuid */
                            orgId: string;
                            /** @description a legal presumption the finding relies on (e.g. missing-telemetry), or null */
                            presumption?: string | null;
                            /** @enum {unknown} */
                            responsibility: "primary" | "contributing" | "none";
                            /** @enum {unknown} */
                            role: "manufacturer" | "software_provider" | "operator" | "maintainer";
                        }[];
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "incidentId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "kind": "injury",
                         *       "severity": "fatal",
                         *       "status": "reported",
                         *       "description": "x",
                         *       "location": "x",
                         *       "widespread": false,
                         *       "occurredAt": "2026-11-26T08:00:00.000Z",
                         *       "awareAt": "2026-11-26T08:00:00.000Z",
                         *       "reportedAt": "2026-11-26T08:00:00.000Z",
                         *       "reportedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "reportingDeadline": "2026-11-26T08:00:00.000Z",
                         *       "hold": {
                         *         "active": false,
                         *         "since": "2026-11-26T08:00:00.000Z",
                         *         "releasedAt": "2026-11-26T08:00:00.000Z",
                         *         "releasedBy": "0f8fad5b-d9cb-469f-a165-70867728950e"
                         *       },
                         *       "parties": [
                         *         {
                         *           "role": "manufacturer",
                         *           "orgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "component": "x"
                         *         }
                         *       ],
                         *       "evidence": {
                         *         "window": {
                         *           "from": "2026-11-26T08:00:00.000Z",
                         *           "to": "2026-11-26T08:00:00.000Z"
                         *         },
                         *         "items": [
                         *           {
                         *             "itemId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *             "kind": "configuration",
                         *             "sha256": "a3f1c09e5b7d2468ac0e1f3b5d7092c4e6f8a1b3c5d7e9f0213546879bacedf0",
                         *             "ledgerIndex": 42,
                         *             "size": 1024,
                         *             "mediaType": "x",
                         *             "filename": "x"
                         *           }
                         *         ]
                         *       },
                         *       "investigation": {
                         *         "preliminaryReportDue": "2026-11-26T08:00:00.000Z",
                         *         "finalReportDue": "2026-11-26T08:00:00.000Z",
                         *         "overdue": false
                         *       },
                         *       "findings": [
                         *         {
                         *           "findingsId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "parties": [
                         *             {
                         *               "role": "manufacturer",
                         *               "orgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *               "component": "x",
                         *               "responsibility": "x",
                         *               "basis": [
                         *                 "0f8fad5b-d9cb-469f-a165-70867728950e"
                         *               ],
                         *               "presumption": "x",
                         *               "note": "replaced the left knee actuator"
                         *             }
                         *           ],
                         *           "conclusion": "x",
                         *           "recordedAt": "2026-11-26T08:00:00.000Z",
                         *           "recordedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "ledgerIndex": 42
                         *         }
                         *       ],
                         *       "ledgerIndex": 42
                         *     }
                         */
                        "application/json": {
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            awareAt: string;
                            description: string;
                            evidence: {
                                items: {
                                    filename?: string;
                                    /** Format: uuid */
                                    itemId: string;
                                    /** @enum {unknown} */
                                    kind: "configuration" | "telemetry" | "control_timeline" | "alerts" | "events" | "access_log" | "attachment";
                                    /** @description the ledger record that commits the item */
                                    ledgerIndex: number;
                                    mediaType?: string;
                                    /** @description lowercase hex SHA-256 */
                                    sha256: string;
                                    size?: number;
                                }[];
                                window: {
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    from: string;
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    to: string;
                                };
                            };
                            findings: {
                                conclusion: string;
                                /** Format: uuid */
                                findingsId: string;
                                ledgerIndex: number;
                                parties: {
                                    basis: string[];
                                    component?: string;
                                    note: string | null;
                                    /** Format: uuid */
                                    orgId: string;
                                    presumption: string | null;
                                    responsibility: string;
                                    /** @enum {unknown} */
                                    role: "manufacturer" | "software_provider" | "operator" | "maintainer";
                                }[];
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                recordedAt: string;
                                /** Format: uuid */
                                recordedBy: string;
                            }[];
                            hold: {
                                active: boolean;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                releasedAt: string | null;
                                /** Format: uuid */
                                releasedBy: string | null;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                since: string | null;
                            };
                            /** Format: uuid */
                            incidentId: string;
                            investigation: {
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                finalReportDue: string;
                                overdue: boolean;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                preliminaryReportDue: string;
                            };
                            /** @enum {unknown} */
                            kind: "injury" | "property_damage" | "collision" | "fall" | "malfunction" | "near_miss" | "data_breach" | "information_leak" | "cybersecurity" | "other";
                            ledgerIndex: number;
                            location: string | null;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            occurredAt: string;
                            parties: {
                                component?: string;
                                /** Format: uuid */
                                orgId: string;
                                /** @enum {unknown} */
                                role: "manufacturer" | "software_provider" | "operator" | "maintainer";
                            }[];
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            reportedAt: string;
                            /** Format: uuid */
                            reportedBy: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            reportingDeadline: string | null;
                            /** @description the robot ID when reported */
                            robotId: string;
                            /** @enum {unknown} */
                            severity: "fatal" | "serious" | "moderate" | "minor" | "near_miss";
                            /** @enum {unknown} */
                            status: "reported" | "investigating" | "preliminary_report" | "final_report" | "closed";
                            widespread: boolean;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "CONFLICT",
                         *         "message": "The request conflicts with an existing record."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/incidents/{incidentId}/hold": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Set or release the hold on the robot (registry, regulator) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    incidentId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "active": false,
                     *       "note": "replaced the left knee actuator"
                     *     }
                     */
                    "application/json": {
                        active: boolean;
                        note?: string;
                    };
                };
            };
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "incidentId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "kind": "injury",
                         *       "severity": "fatal",
                         *       "status": "reported",
                         *       "description": "x",
                         *       "location": "x",
                         *       "widespread": false,
                         *       "occurredAt": "2026-11-26T08:00:00.000Z",
                         *       "awareAt": "2026-11-26T08:00:00.000Z",
                         *       "reportedAt": "2026-11-26T08:00:00.000Z",
                         *       "reportedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "reportingDeadline": "2026-11-26T08:00:00.000Z",
                         *       "hold": {
                         *         "active": false,
                         *         "since": "2026-11-26T08:00:00.000Z",
                         *         "releasedAt": "2026-11-26T08:00:00.000Z",
                         *         "releasedBy": "0f8fad5b-d9cb-469f-a165-70867728950e"
                         *       },
                         *       "parties": [
                         *         {
                         *           "role": "manufacturer",
                         *           "orgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "component": "x"
                         *         }
                         *       ],
                         *       "evidence": {
                         *         "window": {
                         *           "from": "2026-11-26T08:00:00.000Z",
                         *           "to": "2026-11-26T08:00:00.000Z"
                         *         },
                         *         "items": [
                         *           {
                         *             "itemId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *             "kind": "configuration",
                         *             "sha256": "a3f1c09e5b7d2468ac0e1f3b5d7092c4e6f8a1b3c5d7e9f0213546879bacedf0",
                         *             "ledgerIndex": 42,
                         *             "size": 1024,
                         *             "mediaType": "x",
                         *             "filename": "x"
                         *           }
                         *         ]
                         *       },
                         *       "investigation": {
                         *         "preliminaryReportDue": "2026-11-26T08:00:00.000Z",
                         *         "finalReportDue": "2026-11-26T08:00:00.000Z",
                         *         "overdue": false
                         *       },
                         *       "findings": [
                         *         {
                         *           "findingsId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "parties": [
                         *             {
                         *               "role": "manufacturer",
                         *               "orgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *               "component": "x",
                         *               "responsibility": "x",
                         *               "basis": [
                         *                 "0f8fad5b-d9cb-469f-a165-70867728950e"
                         *               ],
                         *               "presumption": "x",
                         *               "note": "replaced the left knee actuator"
                         *             }
                         *           ],
                         *           "conclusion": "x",
                         *           "recordedAt": "2026-11-26T08:00:00.000Z",
                         *           "recordedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "ledgerIndex": 42
                         *         }
                         *       ],
                         *       "ledgerIndex": 42
                         *     }
                         */
                        "application/json": {
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            awareAt: string;
                            description: string;
                            evidence: {
                                items: {
                                    filename?: string;
                                    /** Format: uuid */
                                    itemId: string;
                                    /** @enum {unknown} */
                                    kind: "configuration" | "telemetry" | "control_timeline" | "alerts" | "events" | "access_log" | "attachment";
                                    /** @description the ledger record that commits the item */
                                    ledgerIndex: number;
                                    mediaType?: string;
                                    /** @description lowercase hex SHA-256 */
                                    sha256: string;
                                    size?: number;
                                }[];
                                window: {
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    from: string;
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    to: string;
                                };
                            };
                            findings: {
                                conclusion: string;
                                /** Format: uuid */
                                findingsId: string;
                                ledgerIndex: number;
                                parties: {
                                    basis: string[];
                                    component?: string;
                                    note: string | null;
                                    /** Format: uuid */
                                    orgId: string;
                                    presumption: string | null;
                                    responsibility: string;
                                    /** @enum {unknown} */
                                    role: "manufacturer" | "software_provider" | "operator" | "maintainer";
                                }[];
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                recordedAt: string;
                                /** Format: uuid */
                                recordedBy: string;
                            }[];
                            hold: {
                                active: boolean;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                releasedAt: string | null;
                                /** Format: uuid */
                                releasedBy: string | null;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                since: string | null;
                            };
                            /** Format: uuid */
                            incidentId: string;
                            investigation: {
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                finalReportDue: string;
                                overdue: boolean;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                preliminaryReportDue: string;
                            };
                            /** @enum {unknown} */
                            kind: "injury" | "property_damage" | "collision" | "fall" | "malfunction" | "near_miss" | "data_breach" | "information_leak" | "cybersecurity" | "other";
                            ledgerIndex: number;
                            location: string | null;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            occurredAt: string;
                            parties: {
                                component?: string;
                                /** Format: uuid */
                                orgId: string;
                                /** @enum {unknown} */
                                role: "manufacturer" | "software_provider" | "operator" | "maintainer";
                            }[];
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            reportedAt: string;
                            /** Format: uuid */
                            reportedBy: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            reportingDeadline: string | null;
                            /** @description the robot ID when reported */
                            robotId: string;
                            /** @enum {unknown} */
                            severity: "fatal" | "serious" | "moderate" | "minor" | "near_miss";
                            /** @enum {unknown} */
                            status: "reported" | "investigating" | "preliminary_report" | "final_report" | "closed";
                            widespread: boolean;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/incidents/{incidentId}/investigation": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Move the investigation forward (registry, regulator) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    incidentId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "status": "investigating",
                     *       "summary": "x"
                     *     }
                     */
                    "application/json": {
                        /** @enum {unknown} */
                        status: "investigating" | "preliminary_report" | "final_report" | "closed";
                        summary?: string;
                    };
                };
            };
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "incidentId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "kind": "injury",
                         *       "severity": "fatal",
                         *       "status": "reported",
                         *       "description": "x",
                         *       "location": "x",
                         *       "widespread": false,
                         *       "occurredAt": "2026-11-26T08:00:00.000Z",
                         *       "awareAt": "2026-11-26T08:00:00.000Z",
                         *       "reportedAt": "2026-11-26T08:00:00.000Z",
                         *       "reportedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "reportingDeadline": "2026-11-26T08:00:00.000Z",
                         *       "hold": {
                         *         "active": false,
                         *         "since": "2026-11-26T08:00:00.000Z",
                         *         "releasedAt": "2026-11-26T08:00:00.000Z",
                         *         "releasedBy": "0f8fad5b-d9cb-469f-a165-70867728950e"
                         *       },
                         *       "parties": [
                         *         {
                         *           "role": "manufacturer",
                         *           "orgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "component": "x"
                         *         }
                         *       ],
                         *       "evidence": {
                         *         "window": {
                         *           "from": "2026-11-26T08:00:00.000Z",
                         *           "to": "2026-11-26T08:00:00.000Z"
                         *         },
                         *         "items": [
                         *           {
                         *             "itemId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *             "kind": "configuration",
                         *             "sha256": "a3f1c09e5b7d2468ac0e1f3b5d7092c4e6f8a1b3c5d7e9f0213546879bacedf0",
                         *             "ledgerIndex": 42,
                         *             "size": 1024,
                         *             "mediaType": "x",
                         *             "filename": "x"
                         *           }
                         *         ]
                         *       },
                         *       "investigation": {
                         *         "preliminaryReportDue": "2026-11-26T08:00:00.000Z",
                         *         "finalReportDue": "2026-11-26T08:00:00.000Z",
                         *         "overdue": false
                         *       },
                         *       "findings": [
                         *         {
                         *           "findingsId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "parties": [
                         *             {
                         *               "role": "manufacturer",
                         *               "orgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *               "component": "x",
                         *               "responsibility": "x",
                         *               "basis": [
                         *                 "0f8fad5b-d9cb-469f-a165-70867728950e"
                         *               ],
                         *               "presumption": "x",
                         *               "note": "replaced the left knee actuator"
                         *             }
                         *           ],
                         *           "conclusion": "x",
                         *           "recordedAt": "2026-11-26T08:00:00.000Z",
                         *           "recordedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "ledgerIndex": 42
                         *         }
                         *       ],
                         *       "ledgerIndex": 42
                         *     }
                         */
                        "application/json": {
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            awareAt: string;
                            description: string;
                            evidence: {
                                items: {
                                    filename?: string;
                                    /** Format: uuid */
                                    itemId: string;
                                    /** @enum {unknown} */
                                    kind: "configuration" | "telemetry" | "control_timeline" | "alerts" | "events" | "access_log" | "attachment";
                                    /** @description the ledger record that commits the item */
                                    ledgerIndex: number;
                                    mediaType?: string;
                                    /** @description lowercase hex SHA-256 */
                                    sha256: string;
                                    size?: number;
                                }[];
                                window: {
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    from: string;
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    to: string;
                                };
                            };
                            findings: {
                                conclusion: string;
                                /** Format: uuid */
                                findingsId: string;
                                ledgerIndex: number;
                                parties: {
                                    basis: string[];
                                    component?: string;
                                    note: string | null;
                                    /** Format: uuid */
                                    orgId: string;
                                    presumption: string | null;
                                    responsibility: string;
                                    /** @enum {unknown} */
                                    role: "manufacturer" | "software_provider" | "operator" | "maintainer";
                                }[];
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                recordedAt: string;
                                /** Format: uuid */
                                recordedBy: string;
                            }[];
                            hold: {
                                active: boolean;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                releasedAt: string | null;
                                /** Format: uuid */
                                releasedBy: string | null;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                since: string | null;
                            };
                            /** Format: uuid */
                            incidentId: string;
                            investigation: {
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                finalReportDue: string;
                                overdue: boolean;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                preliminaryReportDue: string;
                            };
                            /** @enum {unknown} */
                            kind: "injury" | "property_damage" | "collision" | "fall" | "malfunction" | "near_miss" | "data_breach" | "information_leak" | "cybersecurity" | "other";
                            ledgerIndex: number;
                            location: string | null;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            occurredAt: string;
                            parties: {
                                component?: string;
                                /** Format: uuid */
                                orgId: string;
                                /** @enum {unknown} */
                                role: "manufacturer" | "software_provider" | "operator" | "maintainer";
                            }[];
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            reportedAt: string;
                            /** Format: uuid */
                            reportedBy: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            reportingDeadline: string | null;
                            /** @description the robot ID when reported */
                            robotId: string;
                            /** @enum {unknown} */
                            severity: "fatal" | "serious" | "moderate" | "minor" | "near_miss";
                            /** @enum {unknown} */
                            status: "reported" | "investigating" | "preliminary_report" | "final_report" | "closed";
                            widespread: boolean;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "CONFLICT",
                         *         "message": "The request conflicts with an existing record."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/ledger/checkpoint": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The latest signed checkpoint (C2SP tlog-checkpoint as a signed note, with witness cosignatures) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description origin, size and base64 root, signed by the log key */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example roboledger.example/log
                         *     1024
                         *     AAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=
                         *
                         *     — roboledger.example/log nqEO/ZdqcV47QI05j6nABAMsea/poX6GSFarOlNoSiyjARLPs5Wh54BibhhALiOSDXlwsEt6ozlV+lns5pi+GV/OxAQ=
                         */
                        "text/plain": string;
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
    "/v1/ledger/checkpoints/{size}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The checkpoint the log signed for one tree size, with its witness cosignatures */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description tree size */
                    size: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the signed note */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example roboledger.example/log
                         *     1024
                         *     AAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=
                         *
                         *     — roboledger.example/log nqEO/ZdqcV47QI05j6nABAMsea/poX6GSFarOlNoSiyjARLPs5Wh54BibhhALiOSDXlwsEt6ozlV+lns5pi+GV/OxAQ=
                         */
                        "text/plain": string;
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "LEDGER_TREE_SIZE_UNKNOWN",
                         *         "message": "The tree size asked for is larger than the log; details give the current size."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/ledger/entries/{index}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One entry: the exact bytes that were hashed (RFC 8785 canonical JSON of the record) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description leaf index */
                    index: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "index": 41,
                         *       "entry": "eyJyZWNvcmQiOiJleGFtcGxlIn0=",
                         *       "leafHash": "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
                         *     }
                         */
                        "application/json": {
                            /**
                             * Format: byte
                             * @description standard padded base64
                             */
                            entry: string;
                            index: number;
                            /**
                             * Format: byte
                             * @description standard padded base64
                             */
                            leafHash: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "LEDGER_TREE_SIZE_UNKNOWN",
                         *         "message": "The tree size asked for is larger than the log; details give the current size."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/ledger/key": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The log's verifier key, name+hex8+base64(0x01 ‖ Ed25519 public key) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description C2SP signed-note verifier key */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /** @example roboledger.example/log+9ea10efd+AVk3DqvlZgfUgy5/h2zRCRPDRgsC2WXQs654sV9cZUE/ */
                        "text/plain": string;
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
    "/v1/ledger/proofs/consistency": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** RFC 9162 consistency proof from the tree of `from` to the tree of `to` */
        get: {
            parameters: {
                query: {
                    /** @description older tree size (> 0) */
                    from: number;
                    /** @description newer tree size */
                    to: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "from": 1,
                         *       "to": 1,
                         *       "proof": [
                         *         "fRjmVaVxBhAvNmwfSaz0t0FYvZ+Rjb5i5aQHkCwrR0k="
                         *       ]
                         *     }
                         */
                        "application/json": {
                            from: number;
                            proof: string[];
                            to: number;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "LEDGER_TREE_SIZE_UNKNOWN",
                         *         "message": "The tree size asked for is larger than the log; details give the current size."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/ledger/proofs/inclusion": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** RFC 9162 inclusion proof of leaf `index` in the tree of `treeSize` */
        get: {
            parameters: {
                query: {
                    /** @description leaf index */
                    index: number;
                    /** @description tree size, from a checkpoint */
                    treeSize: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "index": 41,
                         *       "treeSize": 1024,
                         *       "leafHash": "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
                         *       "proof": [
                         *         "fRjmVaVxBhAvNmwfSaz0t0FYvZ+Rjb5i5aQHkCwrR0k="
                         *       ]
                         *     }
                         */
                        "application/json": {
                            index: number;
                            /**
                             * Format: byte
                             * @description standard padded base64
                             */
                            leafHash: string;
                            proof: string[];
                            treeSize: number;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "LEDGER_TREE_SIZE_UNKNOWN",
                         *         "message": "The tree size asked for is larger than the log; details give the current size."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/ledger/witnesses": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The witnesses whose cosignatures the log accepts and serves */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "name": "Shenzhen Humanoid Works",
                         *           "verifierKey": "witness.example+4b3a8f1d+AV1p0Z3QyL7fYcKx2m9sT4hJ8bW6nE5rU1oG0dC3aZ9k",
                         *           "addedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "addedAt": "2026-11-26T08:00:00.000Z",
                         *           "ledgerIndex": 42
                         *         }
                         *       ],
                         *       "nextCursor": null
                         *     }
                         */
                        "application/json": {
                            items: {
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                addedAt: string;
                                /** Format: uuid */
                                addedBy: string;
                                ledgerIndex: number;
                                name: string;
                                /** @description C2SP cosigner verifier key, name+hex8+base64(0x04 ‖ key) */
                                verifierKey: string;
                            }[];
                            /** @enum {object|null} */
                            nextCursor: never | null;
                        };
                    };
                };
            };
        };
        put?: never;
        /** Register a witness by its cosigner verifier key (registry or regulator) */
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
                     *       "verifierKey": "witness.example+4b3a8f1d+AV1p0Z3QyL7fYcKx2m9sT4hJ8bW6nE5rU1oG0dC3aZ9k"
                     *     }
                     */
                    "application/json": {
                        verifierKey: string;
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "name": "Shenzhen Humanoid Works",
                         *       "verifierKey": "witness.example+4b3a8f1d+AV1p0Z3QyL7fYcKx2m9sT4hJ8bW6nE5rU1oG0dC3aZ9k",
                         *       "addedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "addedAt": "2026-11-26T08:00:00.000Z",
                         *       "ledgerIndex": 42
                         *     }
                         */
                        "application/json": {
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            addedAt: string;
                            /** Format: uuid */
                            addedBy: string;
                            ledgerIndex: number;
                            name: string;
                            /** @description C2SP cosigner verifier key, name+hex8+base64(0x04 ‖ key) */
                            verifierKey: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "CONFLICT",
                         *         "message": "The request conflicts with an existing record."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/ledger/witnesses/{name}/cosignatures": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Submit a witness's tlog-cosignature of a checkpoint; authenticated by the cosignature itself */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "checkpoint": "x",
                     *       "cosignature": "x"
                     *     }
                     */
                    "application/json": {
                        /** @description the checkpoint body, or the whole signed note */
                        checkpoint: string;
                        /** @description the signature line, — <name> <base64> */
                        cosignature: string;
                    };
                };
            };
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "checkpointSize": 1,
                         *       "witness": "witness.example",
                         *       "timestamp": 1,
                         *       "stored": false
                         *     }
                         */
                        "application/json": {
                            checkpointSize: number;
                            /** @description false (and status 200) if this witness had already cosigned it */
                            stored: boolean;
                            /** @description the cosignature time, POSIX seconds */
                            timestamp: number;
                            witness: string;
                        };
                    };
                };
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "checkpointSize": 1,
                         *       "witness": "witness.example",
                         *       "timestamp": 1,
                         *       "stored": false
                         *     }
                         */
                        "application/json": {
                            checkpointSize: number;
                            /** @description false (and status 200) if this witness had already cosigned it */
                            stored: boolean;
                            /** @description the cosignature time, POSIX seconds */
                            timestamp: number;
                            witness: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "LEDGER_WITNESS_UNKNOWN",
                         *         "message": "The cosignature is by a witness the log has not registered."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "LEDGER_TREE_SIZE_UNKNOWN",
                         *         "message": "The tree size asked for is larger than the log; details give the current size."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "CONFLICT",
                         *         "message": "The request conflicts with an existing record."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "LEDGER_COSIGNATURE_INVALID",
                         *         "message": "The cosignature is malformed, does not verify over that checkpoint, or is dated in the future."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "RATE_LIMITED",
                         *         "message": "Too many requests; retry after the Retry-After header."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who is calling: its organisation, its role (the organisation kind) and the API key used */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "org": {
                         *         "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *         "name": "Shenzhen Humanoid Works",
                         *         "kind": "operator",
                         *         "country": "CN",
                         *         "enterpriseCode": "B7K2",
                         *         "createdAt": "2026-11-26T08:00:00.000Z",
                         *         "ledgerIndex": 42
                         *       },
                         *       "role": "registry",
                         *       "keyId": "0f8fad5b-d9cb-469f-a165-70867728950e"
                         *     }
                         */
                        "application/json": {
                            /**
                             * Format: uuid
                             * @description null for the registry admin token
                             */
                            keyId: string | null;
                            org: {
                                country: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                createdAt: string;
                                enterpriseCode?: string;
                                /** Format: uuid */
                                id: string;
                                /** @enum {unknown} */
                                kind: "registry" | "manufacturer" | "operator" | "maintainer" | "software_provider" | "assessor" | "recycler" | "regulator";
                                ledgerIndex: number;
                                name: string;
                            };
                            /** @enum {unknown} */
                            role: "registry" | "manufacturer" | "operator" | "maintainer" | "software_provider" | "assessor" | "recycler" | "regulator";
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List models: a manufacturer sees its own, everyone else all (filter by manufacturerId) */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    manufacturerId?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "manufacturerId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "modelCode": "0A",
                         *           "category": "B",
                         *           "name": "Shenzhen Humanoid Works",
                         *           "jointCount": 28,
                         *           "limits": {
                         *             "minBatterySohPct": 80,
                         *             "maxJointWear": 0.6,
                         *             "maxPositionErrorMm": 5
                         *           },
                         *           "hardwareRevisions": [
                         *             {
                         *               "code": "1",
                         *               "params": {},
                         *               "createdAt": "2026-11-26T08:00:00.000Z",
                         *               "ledgerIndex": 42
                         *             }
                         *           ],
                         *           "createdAt": "2026-11-26T08:00:00.000Z",
                         *           "ledgerIndex": 42
                         *         }
                         *       ],
                         *       "nextCursor": null
                         *     }
                         */
                        "application/json": {
                            items: {
                                category: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                createdAt: string;
                                hardwareRevisions: {
                                    code: string;
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    createdAt: string;
                                    /** @description null when filed with the model (then it is part of the model entry) */
                                    ledgerIndex: number | null;
                                    /** @description hardware parameters of the revision, a JSON object of at most 16 KiB */
                                    params: {
                                        [key: string]: unknown;
                                    };
                                }[];
                                /** Format: uuid */
                                id: string;
                                jointCount: number;
                                ledgerIndex: number;
                                limits: {
                                    maxJointWear: number;
                                    maxPositionErrorMm: number;
                                    minBatterySohPct: number;
                                };
                                /** Format: uuid */
                                manufacturerId: string;
                                modelCode: string;
                                name: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** File a model with its hardware revisions and limits (manufacturer) */
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
                     *       "modelCode": "0A",
                     *       "category": "B",
                     *       "name": "Shenzhen Humanoid Works",
                     *       "jointCount": 28,
                     *       "hardwareRevisions": [
                     *         {
                     *           "code": "1",
                     *           "params": {}
                     *         }
                     *       ],
                     *       "limits": {
                     *         "minBatterySohPct": 80,
                     *         "maxJointWear": 0.6,
                     *         "maxPositionErrorMm": 5
                     *       }
                     *     }
                     */
                    "application/json": {
                        /**
                         * @description RID-1 position 7: B biped, W wheeled base, T fixed torso, D dual-arm mobile, X other
                         * @enum {unknown}
                         */
                        category: "B" | "W" | "T" | "D" | "X";
                        hardwareRevisions: {
                            /** @description RID-1 position 13, one character of S34 */
                            code: string;
                            /** @description hardware parameters of the revision, a JSON object of at most 16 KiB */
                            params: {
                                [key: string]: unknown;
                            };
                        }[];
                        jointCount: number;
                        limits: {
                            maxJointWear: number;
                            maxPositionErrorMm: number;
                            minBatterySohPct: number;
                        };
                        /** @description RID-1 positions 8-9; unique per enterprise and category */
                        modelCode: string;
                        name: string;
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "manufacturerId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "modelCode": "0A",
                         *       "category": "B",
                         *       "name": "Shenzhen Humanoid Works",
                         *       "jointCount": 28,
                         *       "limits": {
                         *         "minBatterySohPct": 80,
                         *         "maxJointWear": 0.6,
                         *         "maxPositionErrorMm": 5
                         *       },
                         *       "hardwareRevisions": [
                         *         {
                         *           "code": "1",
                         *           "params": {},
                         *           "createdAt": "2026-11-26T08:00:00.000Z",
                         *           "ledgerIndex": 42
                         *         }
                         *       ],
                         *       "createdAt": "2026-11-26T08:00:00.000Z",
                         *       "ledgerIndex": 42
                         *     }
                         */
                        "application/json": {
                            category: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            createdAt: string;
                            hardwareRevisions: {
                                code: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                createdAt: string;
                                /** @description null when filed with the model (then it is part of the model entry) */
                                ledgerIndex: number | null;
                                /** @description hardware parameters of the revision, a JSON object of at most 16 KiB */
                                params: {
                                    [key: string]: unknown;
                                };
                            }[];
                            /** Format: uuid */
                            id: string;
                            jointCount: number;
                            ledgerIndex: number;
                            limits: {
                                maxJointWear: number;
                                maxPositionErrorMm: number;
                                minBatterySohPct: number;
                            };
                            /** Format: uuid */
                            manufacturerId: string;
                            modelCode: string;
                            name: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "CONFLICT",
                         *         "message": "The request conflicts with an existing record."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "PAYLOAD_TOO_LARGE",
                         *         "message": "The body exceeds the size limit of the route."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/models/{modelId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A model with its hardware revisions */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    modelId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "manufacturerId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "modelCode": "0A",
                         *       "category": "B",
                         *       "name": "Shenzhen Humanoid Works",
                         *       "jointCount": 28,
                         *       "limits": {
                         *         "minBatterySohPct": 80,
                         *         "maxJointWear": 0.6,
                         *         "maxPositionErrorMm": 5
                         *       },
                         *       "hardwareRevisions": [
                         *         {
                         *           "code": "1",
                         *           "params": {},
                         *           "createdAt": "2026-11-26T08:00:00.000Z",
                         *           "ledgerIndex": 42
                         *         }
                         *       ],
                         *       "createdAt": "2026-11-26T08:00:00.000Z",
                         *       "ledgerIndex": 42
                         *     }
                         */
                        "application/json": {
                            category: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            createdAt: string;
                            hardwareRevisions: {
                                code: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                createdAt: string;
                                /** @description null when filed with the model (then it is part of the model entry) */
                                ledgerIndex: number | null;
                                /** @description hardware parameters of the revision, a JSON object of at most 16 KiB */
                                params: {
                                    [key: string]: unknown;
                                };
                            }[];
                            /** Format: uuid */
                            id: string;
                            jointCount: number;
                            ledgerIndex: number;
                            limits: {
                                maxJointWear: number;
                                maxPositionErrorMm: number;
                                minBatterySohPct: number;
                            };
                            /** Format: uuid */
                            manufacturerId: string;
                            modelCode: string;
                            name: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/models/{modelId}/approvals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A model's type approvals, each as extended, as issued, and its extensions */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    modelId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "modelId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "approvalId": "x",
                         *           "scheme": "RID-1",
                         *           "standards": [
                         *             "x"
                         *           ],
                         *           "hardwareRevisions": [
                         *             "x"
                         *           ],
                         *           "software": {},
                         *           "validUntil": "2026-11-26T08:00:00.000Z",
                         *           "issuerOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "recordedAt": "2026-11-26T08:00:00.000Z",
                         *           "ledgerIndex": 42,
                         *           "asIssued": {
                         *             "hardwareRevisions": [
                         *               "x"
                         *             ],
                         *             "software": {}
                         *           },
                         *           "extensions": [
                         *             {
                         *               "extensionId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *               "modelId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *               "approvalId": "x",
                         *               "hardwareRevisions": [
                         *                 "x"
                         *               ],
                         *               "software": {},
                         *               "issuerOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *               "recordedAt": "2026-11-26T08:00:00.000Z",
                         *               "ledgerIndex": 42
                         *             }
                         *           ]
                         *         }
                         *       ]
                         *     }
                         */
                        "application/json": {
                            items: {
                                approvalId: string;
                                asIssued: {
                                    hardwareRevisions: string[];
                                    software: {
                                        [key: string]: string[];
                                    };
                                };
                                extensions: {
                                    approvalId: string;
                                    /** Format: uuid */
                                    extensionId: string;
                                    hardwareRevisions: string[];
                                    /** Format: uuid */
                                    issuerOrgId: string;
                                    ledgerIndex: number;
                                    /** Format: uuid */
                                    modelId: string;
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    recordedAt: string;
                                    software: {
                                        [key: string]: string[];
                                    };
                                }[];
                                /** @description as extended: issued and every extension */
                                hardwareRevisions: string[];
                                /** Format: uuid */
                                issuerOrgId: string;
                                ledgerIndex: number;
                                /** Format: uuid */
                                modelId: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                recordedAt: string;
                                scheme: string;
                                /** @description as extended: issued and every extension */
                                software: {
                                    [key: string]: string[];
                                };
                                standards: string[];
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                validUntil: string;
                            }[];
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Issue a type approval of a model (registry, regulator, assessor) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    modelId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "approvalId": "x",
                     *       "scheme": "RID-1",
                     *       "standards": [
                     *         "x"
                     *       ],
                     *       "hardwareRevisions": [
                     *         "x"
                     *       ],
                     *       "software": {},
                     *       "validUntil": "x"
                     *     }
                     */
                    "application/json": {
                        /** @description the approval number as issued: letters, digits and ._- (1-100) */
                        approvalId: string;
                        hardwareRevisions: string[];
                        scheme: string;
                        /** @description approved versions per software component, e.g. {"locomotion": ["2.3.0", "2.3.1"]} */
                        software: {
                            [key: string]: string[];
                        };
                        standards: string[];
                        /** @description a calendar date (valid through its end, UTC) or an RFC 3339 timestamp */
                        validUntil: string;
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "modelId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "approvalId": "x",
                         *       "scheme": "RID-1",
                         *       "standards": [
                         *         "x"
                         *       ],
                         *       "hardwareRevisions": [
                         *         "x"
                         *       ],
                         *       "software": {},
                         *       "validUntil": "2026-11-26T08:00:00.000Z",
                         *       "issuerOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "recordedAt": "2026-11-26T08:00:00.000Z",
                         *       "ledgerIndex": 42
                         *     }
                         */
                        "application/json": {
                            approvalId: string;
                            hardwareRevisions: string[];
                            /** Format: uuid */
                            issuerOrgId: string;
                            ledgerIndex: number;
                            /** Format: uuid */
                            modelId: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            recordedAt: string;
                            scheme: string;
                            software: {
                                [key: string]: string[];
                            };
                            standards: string[];
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            validUntil: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "CONFLICT",
                         *         "message": "The request conflicts with an existing record."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/models/{modelId}/approvals/{approvalId}/extensions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Extend a type approval with hardware revisions and software versions */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the approval number as issued: letters, digits and ._- (1-100) */
                    approvalId: string;
                    modelId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "hardwareRevisions": [
                     *         "x"
                     *       ],
                     *       "software": {}
                     *     }
                     */
                    "application/json": {
                        hardwareRevisions: string[];
                        /** @description approved versions per software component, e.g. {"locomotion": ["2.3.0", "2.3.1"]} */
                        software: {
                            [key: string]: string[];
                        };
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "extensionId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "modelId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "approvalId": "x",
                         *       "hardwareRevisions": [
                         *         "x"
                         *       ],
                         *       "software": {},
                         *       "issuerOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "recordedAt": "2026-11-26T08:00:00.000Z",
                         *       "ledgerIndex": 42
                         *     }
                         */
                        "application/json": {
                            approvalId: string;
                            /** Format: uuid */
                            extensionId: string;
                            hardwareRevisions: string[];
                            /** Format: uuid */
                            issuerOrgId: string;
                            ledgerIndex: number;
                            /** Format: uuid */
                            modelId: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            recordedAt: string;
                            software: {
                                [key: string]: string[];
                            };
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/models/{modelId}/fault-codes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A model's fault codes: the component and origin of each code its robots report */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    modelId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "modelId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "faultCodes": [
                         *         {
                         *           "code": "1",
                         *           "component": "x",
                         *           "origin": "hardware",
                         *           "description": "x",
                         *           "createdAt": "2026-11-26T08:00:00.000Z",
                         *           "ledgerIndex": 42
                         *         }
                         *       ]
                         *     }
                         */
                        "application/json": {
                            /** @description every code the model declares, by code */
                            faultCodes: {
                                /** @description as the robots report it in a telemetry sample's `faults` */
                                code: string;
                                /** @description e.g. locomotion, knee_actuator */
                                component: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                createdAt: string;
                                description: string;
                                ledgerIndex: number;
                                /**
                                 * @description whether the fault is of the hardware or the software
                                 * @enum {unknown}
                                 */
                                origin: "hardware" | "software";
                            }[];
                            /** Format: uuid */
                            modelId: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Declare fault codes of one of your models (manufacturer): added, never changed; all or nothing */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    modelId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "faultCodes": [
                     *         {
                     *           "code": "1",
                     *           "component": "x",
                     *           "origin": "hardware",
                     *           "description": "x"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": {
                        faultCodes: {
                            /** @description as the robots report it in a telemetry sample's `faults` */
                            code: string;
                            /** @description e.g. locomotion, knee_actuator */
                            component: string;
                            description: string;
                            /**
                             * @description whether the fault is of the hardware or the software
                             * @enum {unknown}
                             */
                            origin: "hardware" | "software";
                        }[];
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "modelId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "faultCodes": [
                         *         {
                         *           "code": "1",
                         *           "component": "x",
                         *           "origin": "hardware",
                         *           "description": "x",
                         *           "createdAt": "2026-11-26T08:00:00.000Z",
                         *           "ledgerIndex": 42
                         *         }
                         *       ]
                         *     }
                         */
                        "application/json": {
                            /** @description every code the model declares, by code */
                            faultCodes: {
                                /** @description as the robots report it in a telemetry sample's `faults` */
                                code: string;
                                /** @description e.g. locomotion, knee_actuator */
                                component: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                createdAt: string;
                                description: string;
                                ledgerIndex: number;
                                /**
                                 * @description whether the fault is of the hardware or the software
                                 * @enum {unknown}
                                 */
                                origin: "hardware" | "software";
                            }[];
                            /** Format: uuid */
                            modelId: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "CONFLICT",
                         *         "message": "The request conflicts with an existing record."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "PAYLOAD_TOO_LARGE",
                         *         "message": "The body exceeds the size limit of the route."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/models/{modelId}/hardware-revisions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Add a hardware revision to one of your models (manufacturer) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    modelId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "code": "1",
                     *       "params": {}
                     *     }
                     */
                    "application/json": {
                        /** @description RID-1 position 13, one character of S34 */
                        code: string;
                        /** @description hardware parameters of the revision, a JSON object of at most 16 KiB */
                        params: {
                            [key: string]: unknown;
                        };
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "modelId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "code": "1",
                         *       "params": {},
                         *       "createdAt": "2026-11-26T08:00:00.000Z",
                         *       "ledgerIndex": 42
                         *     }
                         */
                        "application/json": {
                            /** Format: uuid */
                            modelId: string;
                        } & {
                            code: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            createdAt: string;
                            /** @description null when filed with the model (then it is part of the model entry) */
                            ledgerIndex: number | null;
                            /** @description hardware parameters of the revision, a JSON object of at most 16 KiB */
                            params: {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "CONFLICT",
                         *         "message": "The request conflicts with an existing record."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "PAYLOAD_TOO_LARGE",
                         *         "message": "The body exceeds the size limit of the route."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/models/{modelId}/storage-media": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A model's storage media: what must be sanitized before one of its robots is recycled */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    modelId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "modelId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "media": [
                         *         {
                         *           "mediaId": "x",
                         *           "kind": "operator",
                         *           "description": "x",
                         *           "createdAt": "2026-11-26T08:00:00.000Z",
                         *           "ledgerIndex": 42
                         *         }
                         *       ]
                         *     }
                         */
                        "application/json": {
                            /** @description every medium the model declares, by mediaId */
                            media: {
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                createdAt: string;
                                description: string;
                                /** @description the kind of storage, e.g. flash, magnetic, eeprom */
                                kind: string;
                                ledgerIndex: number;
                                /** @description e.g. compute.ssd; lower-case letters, digits and `_.-`, at most 64 */
                                mediaId: string;
                            }[];
                            /** Format: uuid */
                            modelId: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Declare storage media of one of your models (manufacturer): added, never changed; all or nothing */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    modelId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "media": [
                     *         {
                     *           "mediaId": "x",
                     *           "kind": "operator",
                     *           "description": "x"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": {
                        media: {
                            description: string;
                            /** @description the kind of storage, e.g. flash, magnetic, eeprom */
                            kind: string;
                            /** @description e.g. compute.ssd; lower-case letters, digits and `_.-`, at most 64 */
                            mediaId: string;
                        }[];
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "modelId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "media": [
                         *         {
                         *           "mediaId": "x",
                         *           "kind": "operator",
                         *           "description": "x",
                         *           "createdAt": "2026-11-26T08:00:00.000Z",
                         *           "ledgerIndex": 42
                         *         }
                         *       ]
                         *     }
                         */
                        "application/json": {
                            /** @description every medium the model declares, by mediaId */
                            media: {
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                createdAt: string;
                                description: string;
                                /** @description the kind of storage, e.g. flash, magnetic, eeprom */
                                kind: string;
                                ledgerIndex: number;
                                /** @description e.g. compute.ssd; lower-case letters, digits and `_.-`, at most 64 */
                                mediaId: string;
                            }[];
                            /** Format: uuid */
                            modelId: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "STORAGE_MEDIUM_CONFLICT",
                         *         "message": "The model already declares this storage medium with another definition; a medium is never changed (`details.mediaId`)."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/notifications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller’s notifications, oldest first, after a cursor (pass nextCursor back as after) */
        get: {
            parameters: {
                query?: {
                    /** @description a nextCursor this feed returned */
                    after?: string;
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "type": "transfer.offered",
                         *           "at": "2026-11-26T08:00:00.000Z",
                         *           "subject": "x",
                         *           "data": {}
                         *         }
                         *       ],
                         *       "nextCursor": null
                         *     }
                         */
                        "application/json": {
                            items: {
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                at: string;
                                data: {
                                    [key: string]: unknown;
                                };
                                /** Format: uuid */
                                id: string;
                                /** @description the id of what it is about (a transfer, an alert, an incident) */
                                subject: string;
                                /** @enum {unknown} */
                                type: "transfer.offered" | "transfer.decided" | "recall.opened" | "recall.remedied" | "alert.raised" | "advisory.raised" | "incident.reported" | "incident.finding" | "hold.changed";
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/orgs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List organisations (registry and regulators) */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    kind?: "registry" | "manufacturer" | "operator" | "maintainer" | "software_provider" | "assessor" | "recycler" | "regulator";
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "name": "Shenzhen Humanoid Works",
                         *           "kind": "operator",
                         *           "country": "CN",
                         *           "enterpriseCode": "B7K2",
                         *           "createdAt": "2026-11-26T08:00:00.000Z",
                         *           "ledgerIndex": 42
                         *         }
                         *       ],
                         *       "nextCursor": null
                         *     }
                         */
                        "application/json": {
                            items: {
                                country: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                createdAt: string;
                                enterpriseCode?: string;
                                /** Format: uuid */
                                id: string;
                                /** @enum {unknown} */
                                kind: "registry" | "manufacturer" | "operator" | "maintainer" | "software_provider" | "assessor" | "recycler" | "regulator";
                                ledgerIndex: number;
                                name: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Create an organisation (registry only); returns its first API key, shown once */
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
                     *       "name": "Shenzhen Humanoid Works",
                     *       "kind": "operator",
                     *       "country": "CN",
                     *       "enterpriseCode": "B7K2"
                     *     }
                     */
                    "application/json": {
                        country: string;
                        enterpriseCode?: string;
                        /** @enum {unknown} */
                        kind: "manufacturer" | "operator" | "maintainer" | "software_provider" | "assessor" | "recycler" | "regulator";
                        name: string;
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "name": "Shenzhen Humanoid Works",
                         *       "kind": "operator",
                         *       "country": "CN",
                         *       "enterpriseCode": "B7K2",
                         *       "createdAt": "2026-11-26T08:00:00.000Z",
                         *       "ledgerIndex": 42,
                         *       "apiKey": "rlk_3q2-7wEjK9bV0sLrT5yXh1mN4pQ8cZ6dF2gA0uI7oE",
                         *       "keyId": "0f8fad5b-d9cb-469f-a165-70867728950e"
                         *     }
                         */
                        "application/json": {
                            country: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            createdAt: string;
                            enterpriseCode?: string;
                            /** Format: uuid */
                            id: string;
                            /** @enum {unknown} */
                            kind: "registry" | "manufacturer" | "operator" | "maintainer" | "software_provider" | "assessor" | "recycler" | "regulator";
                            ledgerIndex: number;
                            name: string;
                        } & {
                            apiKey: string;
                            /** Format: uuid */
                            keyId: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "CONFLICT",
                         *         "message": "The request conflicts with an existing record."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/orgs/{orgId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An organisation's public facts */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "name": "Shenzhen Humanoid Works",
                         *       "kind": "operator",
                         *       "country": "CN",
                         *       "enterpriseCode": "B7K2",
                         *       "createdAt": "2026-11-26T08:00:00.000Z",
                         *       "ledgerIndex": 42
                         *     }
                         */
                        "application/json": {
                            country: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            createdAt: string;
                            enterpriseCode?: string;
                            /** Format: uuid */
                            id: string;
                            /** @enum {unknown} */
                            kind: "registry" | "manufacturer" | "operator" | "maintainer" | "software_provider" | "assessor" | "recycler" | "regulator";
                            ledgerIndex: number;
                            name: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/orgs/{orgId}/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List an organisation's keys (never their secrets) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "keyId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "label": "battery state of health below the model limit",
                         *           "createdAt": "2026-11-26T08:00:00.000Z",
                         *           "revokedAt": "2026-11-26T08:00:00.000Z",
                         *           "ledgerIndex": 42
                         *         }
                         *       ],
                         *       "nextCursor": null
                         *     }
                         */
                        "application/json": {
                            items: {
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                createdAt: string;
                                /** Format: uuid */
                                keyId: string;
                                label: string | null;
                                ledgerIndex: number;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                revokedAt: string | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Issue another API key (the organisation itself or the registry); shown once */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "label": "battery state of health below the model limit"
                     *     }
                     */
                    "application/json": {
                        label?: string;
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "keyId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "apiKey": "rlk_3q2-7wEjK9bV0sLrT5yXh1mN4pQ8cZ6dF2gA0uI7oE",
                         *       "orgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "createdAt": "2026-11-26T08:00:00.000Z"
                         *     }
                         */
                        "application/json": {
                            apiKey: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            createdAt: string;
                            /** Format: uuid */
                            keyId: string;
                            /** Format: uuid */
                            orgId: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/orgs/{orgId}/keys/{keyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API key; it stops working at once */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    keyId: string;
                    orgId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /** @example  */
                        "text/plain": string;
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "CONFLICT",
                         *         "message": "The request conflicts with an existing record."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/public/robots/{robotId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Is this robot ID well-formed and registered? No credentials; rate limited per address */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "wellFormed": false,
                         *       "registered": false,
                         *       "status": "in_service",
                         *       "manufacturer": {
                         *         "name": "Shenzhen Humanoid Works",
                         *         "country": "CN"
                         *       },
                         *       "model": {
                         *         "name": "Shenzhen Humanoid Works"
                         *       },
                         *       "filedAt": "2026-11-26T08:00:00.000Z",
                         *       "incidents": {
                         *         "count": 1,
                         *         "serious": 1
                         *       },
                         *       "openRecalls": 1,
                         *       "brands": [
                         *         "x"
                         *       ]
                         *     }
                         */
                        "application/json": {
                            /** @description permanent brands by name, oldest first (e.g. total_loss, stolen); never their notes */
                            brands: string[] | null;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            filedAt: string | null;
                            /** @description counts only: what happened and who was involved is for the incident’s parties */
                            incidents: {
                                /** @description incidents reported on the robot */
                                count: number;
                                /** @description of which fatal or serious */
                                serious: number;
                            } | null;
                            manufacturer: {
                                country: string;
                                name: string;
                            } | null;
                            model: {
                                name: string;
                            } | null;
                            /** @description recall campaigns affecting the robot whose remedy is not complete on it (declined ones too) */
                            openRecalls: number | null;
                            registered: boolean;
                            /** @description the ID asked about, canonical form */
                            robotId: string;
                            /** @enum {unknown|null} */
                            status: "filed" | "in_service" | "maintenance" | "suspended" | "decommissioned" | "recycled" | null;
                            /** @description the current ID, when this one was re-coded */
                            supersededBy?: string;
                            /** @description always true in a 200: a malformed ID is a 400 */
                            wellFormed: boolean;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ID_CHECK_MISMATCH",
                         *         "message": "The check character (position 29) does not match; `expected` names it."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "RATE_LIMITED",
                         *         "message": "Too many requests; retry after the Retry-After header."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/public/robots/{robotId}/report": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The public tier of a robot's history report: summary and identity, signed; no credentials */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description roboledger-history-report/1 (docs/history-report.md): summary, identity, configuration, sections, health, coverage, proof and the log key’s signature over its RFC 8785 canonical JSON. With Accept: text/html, the same report as a printable page. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /** @example {} */
                        "application/json": {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "RATE_LIMITED",
                         *         "message": "Too many requests; retry after the Retry-After header."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/recalls": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Open a recall campaign (a manufacturer for its own models, the registry, a regulator); omitted filters match all */
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
                     *       "campaignId": "x",
                     *       "modelIds": [
                     *         "0f8fad5b-d9cb-469f-a165-70867728950e"
                     *       ],
                     *       "hardwareRevisions": [
                     *         "x"
                     *       ],
                     *       "software": {
                     *         "component": "x",
                     *         "versions": [
                     *           "x"
                     *         ]
                     *       },
                     *       "productionFrom": "2026-05-14",
                     *       "productionTo": "2026-05-14",
                     *       "component": "x",
                     *       "summary": "x",
                     *       "consequence": "x",
                     *       "remedy": {
                     *         "type": "software",
                     *         "software": {
                     *           "component": "x",
                     *           "version": "x"
                     *         },
                     *         "availableAt": "x"
                     *       },
                     *       "doNotOperate": false
                     *     }
                     */
                    "application/json": {
                        /** @description e.g. R-2026-014: letters, digits and ._- (1-100) */
                        campaignId: string;
                        component: string;
                        consequence: string;
                        doNotOperate?: boolean;
                        hardwareRevisions?: string[];
                        modelIds?: string[];
                        /** @description a calendar date, or an RFC 3339 timestamp (its UTC date counts) */
                        productionFrom?: string;
                        /** @description a calendar date, or an RFC 3339 timestamp (its UTC date counts) */
                        productionTo?: string;
                        remedy: {
                            availableAt?: string;
                            software?: {
                                component: string;
                                version: string;
                            };
                            /** @enum {unknown} */
                            type: "software" | "part" | "inspection";
                        };
                        software?: {
                            component: string;
                            versions: string[];
                        };
                        summary: string;
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "campaignId": "x",
                         *       "openedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "manufacturerId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "modelIds": [
                         *         "0f8fad5b-d9cb-469f-a165-70867728950e"
                         *       ],
                         *       "hardwareRevisions": [
                         *         "x"
                         *       ],
                         *       "software": {
                         *         "component": "x",
                         *         "versions": [
                         *           "x"
                         *         ]
                         *       },
                         *       "productionFrom": "2026-05-14",
                         *       "productionTo": "2026-05-14",
                         *       "component": "x",
                         *       "summary": "x",
                         *       "consequence": "x",
                         *       "remedy": {
                         *         "type": "software",
                         *         "software": {
                         *           "component": "x",
                         *           "version": "x"
                         *         },
                         *         "availableAt": "2026-11-26T08:00:00.000Z"
                         *       },
                         *       "doNotOperate": false,
                         *       "openedAt": "2026-11-26T08:00:00.000Z",
                         *       "affected": 1,
                         *       "ledgerIndex": 42
                         *     }
                         */
                        "application/json": {
                            /** @description robots the campaign affects */
                            affected: number;
                            /** @description e.g. R-2026-014: letters, digits and ._- (1-100) */
                            campaignId: string;
                            component: string;
                            consequence: string;
                            doNotOperate: boolean;
                            hardwareRevisions: string[] | null;
                            ledgerIndex: number;
                            /** Format: uuid */
                            manufacturerId: string | null;
                            modelIds: string[] | null;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            openedAt: string;
                            /** Format: uuid */
                            openedBy: string;
                            /** Format: date */
                            productionFrom: string | null;
                            /** Format: date */
                            productionTo: string | null;
                            remedy: {
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                availableAt: string | null;
                                software: {
                                    component: string;
                                    version: string;
                                } | null;
                                /** @enum {unknown} */
                                type: "software" | "part" | "inspection";
                            };
                            software: {
                                component: string;
                                versions: string[];
                            } | null;
                            summary: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "CONFLICT",
                         *         "message": "The request conflicts with an existing record."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/recalls/{campaignId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A recall campaign with its progress (any organisation: recalls are public notices) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description e.g. R-2026-014: letters, digits and ._- (1-100) */
                    campaignId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "campaignId": "x",
                         *       "openedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "manufacturerId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "modelIds": [
                         *         "0f8fad5b-d9cb-469f-a165-70867728950e"
                         *       ],
                         *       "hardwareRevisions": [
                         *         "x"
                         *       ],
                         *       "software": {
                         *         "component": "x",
                         *         "versions": [
                         *           "x"
                         *         ]
                         *       },
                         *       "productionFrom": "2026-05-14",
                         *       "productionTo": "2026-05-14",
                         *       "component": "x",
                         *       "summary": "x",
                         *       "consequence": "x",
                         *       "remedy": {
                         *         "type": "software",
                         *         "software": {
                         *           "component": "x",
                         *           "version": "x"
                         *         },
                         *         "availableAt": "2026-11-26T08:00:00.000Z"
                         *       },
                         *       "doNotOperate": false,
                         *       "openedAt": "2026-11-26T08:00:00.000Z",
                         *       "affected": 1,
                         *       "ledgerIndex": 42,
                         *       "remedied": 1,
                         *       "open": 1,
                         *       "unavailable": 1,
                         *       "declined": 1,
                         *       "completionRate": 0.5
                         *     }
                         */
                        "application/json": {
                            /** @description robots the campaign affects */
                            affected: number;
                            /** @description e.g. R-2026-014: letters, digits and ._- (1-100) */
                            campaignId: string;
                            /** @description remedied / (affected - unavailable); 0 when that is 0 */
                            completionRate: number;
                            component: string;
                            consequence: string;
                            declined: number;
                            doNotOperate: boolean;
                            hardwareRevisions: string[] | null;
                            ledgerIndex: number;
                            /** Format: uuid */
                            manufacturerId: string | null;
                            modelIds: string[] | null;
                            /** @description open, and open with the remedy not yet available */
                            open: number;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            openedAt: string;
                            /** Format: uuid */
                            openedBy: string;
                            /** Format: date */
                            productionFrom: string | null;
                            /** Format: date */
                            productionTo: string | null;
                            remedied: number;
                            remedy: {
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                availableAt: string | null;
                                software: {
                                    component: string;
                                    version: string;
                                } | null;
                                /** @enum {unknown} */
                                type: "software" | "part" | "inspection";
                            };
                            software: {
                                component: string;
                                versions: string[];
                            } | null;
                            summary: string;
                            /** @description decommissioned or recycled before a remedy */
                            unavailable: number;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/recalls/{campaignId}/units": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A campaign's units (authorities, its opener and manufacturer: all; others: the robots they own) */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    status?: "open_remedy_not_available" | "open" | "remedied" | "unavailable" | "declined";
                };
                header?: never;
                path: {
                    /** @description e.g. R-2026-014: letters, digits and ._- (1-100) */
                    campaignId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "robotId": "CNB7K2B0A3T511000000000123455",
                         *           "status": "open_remedy_not_available",
                         *           "suspendedByCampaign": false,
                         *           "remediedAt": "2026-11-26T08:00:00.000Z",
                         *           "remediedByEventId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "attestedSeq": 1,
                         *           "declinedAt": "2026-11-26T08:00:00.000Z",
                         *           "declineReason": "x"
                         *         }
                         *       ],
                         *       "nextCursor": null
                         *     }
                         */
                        "application/json": {
                            items: {
                                /** @description the telemetry batch that attested a software remedy */
                                attestedSeq: number | null;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                declinedAt: string | null;
                                declineReason: string | null;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                remediedAt: string | null;
                                /** Format: uuid */
                                remediedByEventId: string | null;
                                robotId: string;
                                /** @enum {unknown} */
                                status: "open_remedy_not_available" | "open" | "remedied" | "unavailable" | "declined";
                                suspendedByCampaign: boolean;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/recalls/{campaignId}/units/{robotId}/decline": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** The owner records that it refuses the remedy of its robot's unit (ledgered) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description e.g. R-2026-014: letters, digits and ._- (1-100) */
                    campaignId: string;
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "reason": "x"
                     *     }
                     */
                    "application/json": {
                        reason?: string;
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "campaignId": "x",
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "status": "declined",
                         *       "declinedAt": "2026-11-26T08:00:00.000Z",
                         *       "declineReason": "x",
                         *       "ledgerIndex": 42
                         *     }
                         */
                        "application/json": {
                            campaignId: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            declinedAt: string;
                            declineReason: string | null;
                            ledgerIndex: number;
                            robotId: string;
                            /** @enum {string} */
                            status: "declined";
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "CONFLICT",
                         *         "message": "The request conflicts with an existing record."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/robots": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The robots you may see, ordered by robot ID */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    modelId?: string;
                    status?: "filed" | "in_service" | "maintenance" | "suspended" | "decommissioned" | "recycled";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "robotId": "CNB7K2B0A3T511000000000123455",
                         *           "decoded": {
                         *             "scheme": "RID-1",
                         *             "display": "CN B7K2 B0A3T5 11000000000123455",
                         *             "country": "CN",
                         *             "countryName": "China",
                         *             "enterprise": "B7K2",
                         *             "category": "B",
                         *             "categoryName": "biped",
                         *             "model": "0A",
                         *             "levelAsFiled": 3,
                         *             "levelLabel": "L3",
                         *             "productionYear": 2026,
                         *             "productionMonth": 5,
                         *             "hardwareRevision": "1",
                         *             "site": "1",
                         *             "unitSequence": "12345",
                         *             "unitSequencePadded": "00000000012345",
                         *             "check": "5",
                         *             "modelCode": "0A",
                         *             "serial": "11000000000123455"
                         *           },
                         *           "model": {
                         *             "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *             "name": "Shenzhen Humanoid Works",
                         *             "modelCode": "0A",
                         *             "category": "B",
                         *             "jointCount": 28,
                         *             "limits": {
                         *               "minBatterySohPct": 80,
                         *               "maxJointWear": 0.6,
                         *               "maxPositionErrorMm": 5
                         *             }
                         *           },
                         *           "manufacturer": {
                         *             "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *             "name": "Shenzhen Humanoid Works",
                         *             "country": "CN",
                         *             "enterpriseCode": "B7K2"
                         *           },
                         *           "owner": {
                         *             "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *             "name": "Shenzhen Humanoid Works",
                         *             "kind": "operator"
                         *           },
                         *           "site": {
                         *             "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *             "code": "1",
                         *             "name": "Shenzhen Humanoid Works",
                         *             "region": "Guangdong"
                         *           },
                         *           "status": "in_service",
                         *           "intelligenceLevel": 3,
                         *           "intelligenceLevelFiled": 3,
                         *           "hardwareRevision": "1",
                         *           "productionDate": "2026-05-14",
                         *           "devicePublicKey": "m8L4xJ0vQ2ZsWb6T1yN9kR3cF5hU7eA2pD4gX8oI0uY",
                         *           "previousRobotIds": [],
                         *           "filedAt": "2026-11-26T08:00:00.000Z",
                         *           "updatedAt": "2026-11-26T08:00:00.000Z",
                         *           "ledgerIndex": 42
                         *         }
                         *       ],
                         *       "nextCursor": null
                         *     }
                         */
                        "application/json": {
                            items: {
                                decoded: {
                                    category: string;
                                    categoryName: string;
                                    check: string;
                                    country: string;
                                    countryName: string;
                                    /** @description grouped 2/4/6/17 for people */
                                    display: string;
                                    enterprise: string;
                                    hardwareRevision: string;
                                    levelAsFiled: number;
                                    levelLabel: string;
                                    model: string;
                                    /** @description positions 7-12, the public model code */
                                    modelCode: string;
                                    productionMonth: number;
                                    productionYear: number;
                                    scheme: string;
                                    /** @description positions 13-29, the public serial */
                                    serial: string;
                                    site: string;
                                    /** @description without its left padding */
                                    unitSequence: string;
                                    unitSequencePadded: string;
                                };
                                /** @description live Ed25519 key, base64url */
                                devicePublicKey: string | null;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                filedAt: string;
                                hardwareRevision: string;
                                /** @description current level (evaluations change it) */
                                intelligenceLevel: number;
                                /** @description level as filed, position 10 of the ID */
                                intelligenceLevelFiled: number;
                                /** @description ledger index of the filing event */
                                ledgerIndex: number;
                                manufacturer: {
                                    country: string;
                                    enterpriseCode: string;
                                    /** Format: uuid */
                                    id: string;
                                    name: string;
                                };
                                model: {
                                    category: string;
                                    /** Format: uuid */
                                    id: string;
                                    jointCount: number;
                                    limits: {
                                        maxJointWear: number;
                                        maxPositionErrorMm: number;
                                        minBatterySohPct: number;
                                    };
                                    modelCode: string;
                                    name: string;
                                };
                                /** @description null when a former owner asks: who owns the robot now is not its to know */
                                owner: {
                                    /** Format: uuid */
                                    id: string;
                                    /** @enum {unknown} */
                                    kind: "registry" | "manufacturer" | "operator" | "maintainer" | "software_provider" | "assessor" | "recycler" | "regulator";
                                    name: string;
                                } | null;
                                /** @description IDs this robot had before re-coding */
                                previousRobotIds: string[];
                                productionDate: string;
                                /** @description the current ID, canonical form */
                                robotId: string;
                                site: {
                                    code: string;
                                    /** Format: uuid */
                                    id: string;
                                    name: string;
                                    region: string;
                                };
                                /** @enum {unknown} */
                                status: "filed" | "in_service" | "maintenance" | "suspended" | "decommissioned" | "recycled";
                                /** @description present when the robot was asked for by a superseded ID: its current ID */
                                supersededBy?: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                updatedAt: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** File a robot and issue its 29-character ID (manufacturer) */
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
                     *       "modelId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                     *       "hardwareRevision": "1",
                     *       "siteCode": "1",
                     *       "productionDate": "2026-05-14",
                     *       "intelligenceLevel": 3,
                     *       "serial": "11000000000123455",
                     *       "devicePublicKey": "m8L4xJ0vQ2ZsWb6T1yN9kR3cF5hU7eA2pD4gX8oI0uY"
                     *     }
                     */
                    "application/json": {
                        /** @description the robot's Ed25519 public key, base64url (no padding) of the 32 raw bytes */
                        devicePublicKey: string;
                        /** @description a hardware revision of the model */
                        hardwareRevision: string;
                        /** @description L1-L5 per T/CIE 298-2025; 0 = not graded */
                        intelligenceLevel: number;
                        /** Format: uuid */
                        modelId: string;
                        /** @description YYYY-MM-DD, 2010-2039 and not in the future */
                        productionDate: string;
                        /** @description your own unit sequence: 1-14 characters of S34; omitted: the platform allocates one */
                        serial?: string;
                        /** @description one of your registered sites */
                        siteCode: string;
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "decoded": {
                         *         "scheme": "RID-1",
                         *         "display": "CN B7K2 B0A3T5 11000000000123455",
                         *         "country": "CN",
                         *         "countryName": "China",
                         *         "enterprise": "B7K2",
                         *         "category": "B",
                         *         "categoryName": "biped",
                         *         "model": "0A",
                         *         "levelAsFiled": 3,
                         *         "levelLabel": "L3",
                         *         "productionYear": 2026,
                         *         "productionMonth": 5,
                         *         "hardwareRevision": "1",
                         *         "site": "1",
                         *         "unitSequence": "12345",
                         *         "unitSequencePadded": "00000000012345",
                         *         "check": "5",
                         *         "modelCode": "0A",
                         *         "serial": "11000000000123455"
                         *       },
                         *       "model": {
                         *         "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *         "name": "Shenzhen Humanoid Works",
                         *         "modelCode": "0A",
                         *         "category": "B",
                         *         "jointCount": 28,
                         *         "limits": {
                         *           "minBatterySohPct": 80,
                         *           "maxJointWear": 0.6,
                         *           "maxPositionErrorMm": 5
                         *         }
                         *       },
                         *       "manufacturer": {
                         *         "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *         "name": "Shenzhen Humanoid Works",
                         *         "country": "CN",
                         *         "enterpriseCode": "B7K2"
                         *       },
                         *       "owner": {
                         *         "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *         "name": "Shenzhen Humanoid Works",
                         *         "kind": "operator"
                         *       },
                         *       "site": {
                         *         "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *         "code": "1",
                         *         "name": "Shenzhen Humanoid Works",
                         *         "region": "Guangdong"
                         *       },
                         *       "status": "in_service",
                         *       "intelligenceLevel": 3,
                         *       "intelligenceLevelFiled": 3,
                         *       "hardwareRevision": "1",
                         *       "productionDate": "2026-05-14",
                         *       "devicePublicKey": "m8L4xJ0vQ2ZsWb6T1yN9kR3cF5hU7eA2pD4gX8oI0uY",
                         *       "previousRobotIds": [],
                         *       "filedAt": "2026-11-26T08:00:00.000Z",
                         *       "updatedAt": "2026-11-26T08:00:00.000Z",
                         *       "ledgerIndex": 42
                         *     }
                         */
                        "application/json": {
                            decoded: {
                                category: string;
                                categoryName: string;
                                check: string;
                                country: string;
                                countryName: string;
                                /** @description grouped 2/4/6/17 for people */
                                display: string;
                                enterprise: string;
                                hardwareRevision: string;
                                levelAsFiled: number;
                                levelLabel: string;
                                model: string;
                                /** @description positions 7-12, the public model code */
                                modelCode: string;
                                productionMonth: number;
                                productionYear: number;
                                scheme: string;
                                /** @description positions 13-29, the public serial */
                                serial: string;
                                site: string;
                                /** @description without its left padding */
                                unitSequence: string;
                                unitSequencePadded: string;
                            };
                            /** @description live Ed25519 key, base64url */
                            devicePublicKey: string | null;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            filedAt: string;
                            hardwareRevision: string;
                            /** @description current level (evaluations change it) */
                            intelligenceLevel: number;
                            /** @description level as filed, position 10 of the ID */
                            intelligenceLevelFiled: number;
                            /** @description ledger index of the filing event */
                            ledgerIndex: number;
                            manufacturer: {
                                country: string;
                                enterpriseCode: string;
                                /** Format: uuid */
                                id: string;
                                name: string;
                            };
                            model: {
                                category: string;
                                /** Format: uuid */
                                id: string;
                                jointCount: number;
                                limits: {
                                    maxJointWear: number;
                                    maxPositionErrorMm: number;
                                    minBatterySohPct: number;
                                };
                                modelCode: string;
                                name: string;
                            };
                            /** @description null when a former owner asks: who owns the robot now is not its to know */
                            owner: {
                                /** Format: uuid */
                                id: string;
                                /** @enum {unknown} */
                                kind: "registry" | "manufacturer" | "operator" | "maintainer" | "software_provider" | "assessor" | "recycler" | "regulator";
                                name: string;
                            } | null;
                            /** @description IDs this robot had before re-coding */
                            previousRobotIds: string[];
                            productionDate: string;
                            /** @description the current ID, canonical form */
                            robotId: string;
                            site: {
                                code: string;
                                /** Format: uuid */
                                id: string;
                                name: string;
                                region: string;
                            };
                            /** @enum {unknown} */
                            status: "filed" | "in_service" | "maintenance" | "suspended" | "decommissioned" | "recycled";
                            /** @description present when the robot was asked for by a superseded ID: its current ID */
                            supersededBy?: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            updatedAt: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "CONFLICT",
                         *         "message": "The request conflicts with an existing record."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "HARDWARE_REVISION_UNKNOWN",
                         *         "message": "The hardware revision is not one registered for the model."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/robots/{robotId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A robot by any ID it ever had: decoded ID, model, manufacturer, owner, status */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "decoded": {
                         *         "scheme": "RID-1",
                         *         "display": "CN B7K2 B0A3T5 11000000000123455",
                         *         "country": "CN",
                         *         "countryName": "China",
                         *         "enterprise": "B7K2",
                         *         "category": "B",
                         *         "categoryName": "biped",
                         *         "model": "0A",
                         *         "levelAsFiled": 3,
                         *         "levelLabel": "L3",
                         *         "productionYear": 2026,
                         *         "productionMonth": 5,
                         *         "hardwareRevision": "1",
                         *         "site": "1",
                         *         "unitSequence": "12345",
                         *         "unitSequencePadded": "00000000012345",
                         *         "check": "5",
                         *         "modelCode": "0A",
                         *         "serial": "11000000000123455"
                         *       },
                         *       "model": {
                         *         "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *         "name": "Shenzhen Humanoid Works",
                         *         "modelCode": "0A",
                         *         "category": "B",
                         *         "jointCount": 28,
                         *         "limits": {
                         *           "minBatterySohPct": 80,
                         *           "maxJointWear": 0.6,
                         *           "maxPositionErrorMm": 5
                         *         }
                         *       },
                         *       "manufacturer": {
                         *         "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *         "name": "Shenzhen Humanoid Works",
                         *         "country": "CN",
                         *         "enterpriseCode": "B7K2"
                         *       },
                         *       "owner": {
                         *         "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *         "name": "Shenzhen Humanoid Works",
                         *         "kind": "operator"
                         *       },
                         *       "site": {
                         *         "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *         "code": "1",
                         *         "name": "Shenzhen Humanoid Works",
                         *         "region": "Guangdong"
                         *       },
                         *       "status": "in_service",
                         *       "intelligenceLevel": 3,
                         *       "intelligenceLevelFiled": 3,
                         *       "hardwareRevision": "1",
                         *       "productionDate": "2026-05-14",
                         *       "devicePublicKey": "m8L4xJ0vQ2ZsWb6T1yN9kR3cF5hU7eA2pD4gX8oI0uY",
                         *       "previousRobotIds": [],
                         *       "filedAt": "2026-11-26T08:00:00.000Z",
                         *       "updatedAt": "2026-11-26T08:00:00.000Z",
                         *       "ledgerIndex": 42,
                         *       "certificate": {
                         *         "valid": false,
                         *         "reasons": [],
                         *         "approvalId": "x"
                         *       },
                         *       "brands": [
                         *         "structural_damage"
                         *       ]
                         *     }
                         */
                        "application/json": {
                            /** @description permanent brands, oldest first */
                            brands: ("structural_damage" | "water_damage" | "fire_damage" | "total_loss" | "rebuilt" | "parts_only" | "modified" | "hours_not_actual" | "stolen" | "recovered")[];
                            /** @description the robot's certificate as it stands now */
                            certificate: {
                                /** @description the type approval named by the robot's latest certification */
                                approvalId: string | null;
                                /** @description empty when valid; `none` alone when no certification names a type approval */
                                reasons: ("none" | "expired" | "hardware_revision_not_approved" | "software_not_approved" | "disqualifying_brand" | "incident_hold")[];
                                valid: boolean;
                            };
                            decoded: {
                                category: string;
                                categoryName: string;
                                check: string;
                                country: string;
                                countryName: string;
                                /** @description grouped 2/4/6/17 for people */
                                display: string;
                                enterprise: string;
                                hardwareRevision: string;
                                levelAsFiled: number;
                                levelLabel: string;
                                model: string;
                                /** @description positions 7-12, the public model code */
                                modelCode: string;
                                productionMonth: number;
                                productionYear: number;
                                scheme: string;
                                /** @description positions 13-29, the public serial */
                                serial: string;
                                site: string;
                                /** @description without its left padding */
                                unitSequence: string;
                                unitSequencePadded: string;
                            };
                            /** @description live Ed25519 key, base64url */
                            devicePublicKey: string | null;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            filedAt: string;
                            hardwareRevision: string;
                            /** @description current level (evaluations change it) */
                            intelligenceLevel: number;
                            /** @description level as filed, position 10 of the ID */
                            intelligenceLevelFiled: number;
                            /** @description ledger index of the filing event */
                            ledgerIndex: number;
                            manufacturer: {
                                country: string;
                                enterpriseCode: string;
                                /** Format: uuid */
                                id: string;
                                name: string;
                            };
                            model: {
                                category: string;
                                /** Format: uuid */
                                id: string;
                                jointCount: number;
                                limits: {
                                    maxJointWear: number;
                                    maxPositionErrorMm: number;
                                    minBatterySohPct: number;
                                };
                                modelCode: string;
                                name: string;
                            };
                            /** @description null when a former owner asks: who owns the robot now is not its to know */
                            owner: {
                                /** Format: uuid */
                                id: string;
                                /** @enum {unknown} */
                                kind: "registry" | "manufacturer" | "operator" | "maintainer" | "software_provider" | "assessor" | "recycler" | "regulator";
                                name: string;
                            } | null;
                            /** @description IDs this robot had before re-coding */
                            previousRobotIds: string[];
                            productionDate: string;
                            /** @description the current ID, canonical form */
                            robotId: string;
                            site: {
                                code: string;
                                /** Format: uuid */
                                id: string;
                                name: string;
                                region: string;
                            };
                            /** @enum {unknown} */
                            status: "filed" | "in_service" | "maintenance" | "suspended" | "decommissioned" | "recycled";
                            /** @description present when the robot was asked for by a superseded ID: its current ID */
                            supersededBy?: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            updatedAt: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/robots/{robotId}/access-log": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who read the robot's data, newest first (owner, registry, regulators); reads with from <= at < to */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    /** @description RFC 3339 */
                    from?: string;
                    limit?: number;
                    /** @description RFC 3339 */
                    to?: string;
                };
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "at": "2026-11-26T08:00:00.000Z",
                         *           "orgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "keyId": "x",
                         *           "what": "x"
                         *         }
                         *       ],
                         *       "nextCursor": null
                         *     }
                         */
                        "application/json": {
                            items: {
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                at: string;
                                /** @description the API key the read was made with; null for the admin token */
                                keyId: string | null;
                                /** Format: uuid */
                                orgId: string;
                                /** @description what was read: telemetry, telemetry_batches, events, history_proof, alerts, incident, evidence, bundle (docs/access-log.md) */
                                what: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/robots/{robotId}/brands": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A robot's brands, oldest first (whoever may see the robot) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "brandId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "robotId": "CNB7K2B0A3T511000000000123455",
                         *           "brand": "structural_damage",
                         *           "note": "replaced the left knee actuator",
                         *           "incidentId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "issuerOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "recordedAt": "2026-11-26T08:00:00.000Z",
                         *           "ledgerIndex": 42
                         *         }
                         *       ]
                         *     }
                         */
                        "application/json": {
                            items: {
                                /** @enum {unknown} */
                                brand: "structural_damage" | "water_damage" | "fire_damage" | "total_loss" | "rebuilt" | "parts_only" | "modified" | "hours_not_actual" | "stolen" | "recovered";
                                /** Format: uuid */
                                brandId: string;
                                /** Format: uuid */
                                incidentId: string | null;
                                /** Format: uuid */
                                issuerOrgId: string;
                                ledgerIndex: number;
                                note: string | null;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                recordedAt: string;
                                robotId: string;
                            }[];
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Brand a robot (registry, regulator); brands are permanent */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "brand": "structural_damage",
                     *       "note": "replaced the left knee actuator",
                     *       "incidentId": "0f8fad5b-d9cb-469f-a165-70867728950e"
                     *     }
                     */
                    "application/json": {
                        /** @enum {unknown} */
                        brand: "structural_damage" | "water_damage" | "fire_damage" | "total_loss" | "rebuilt" | "parts_only" | "modified" | "hours_not_actual" | "stolen" | "recovered";
                        /** Format: uuid */
                        incidentId?: string;
                        note?: string;
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "brandId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "brand": "structural_damage",
                         *       "note": "replaced the left knee actuator",
                         *       "incidentId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "issuerOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "recordedAt": "2026-11-26T08:00:00.000Z",
                         *       "ledgerIndex": 42
                         *     }
                         */
                        "application/json": {
                            /** @enum {unknown} */
                            brand: "structural_damage" | "water_damage" | "fire_damage" | "total_loss" | "rebuilt" | "parts_only" | "modified" | "hours_not_actual" | "stolen" | "recovered";
                            /** Format: uuid */
                            brandId: string;
                            /** Format: uuid */
                            incidentId: string | null;
                            /** Format: uuid */
                            issuerOrgId: string;
                            ledgerIndex: number;
                            note: string | null;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            recordedAt: string;
                            robotId: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "CONFLICT",
                         *         "message": "The request conflicts with an existing record."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/robots/{robotId}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A robot's events in recorded order, system ones included, across all its IDs
         * @description History: may be answered by the read replica, at most ROBOLEDGER_READ_MAX_LAG_MS behind the primary. The RoboLedger-Read response header says `replica` or `primary`; send `Cache-Control: no-cache` for the primary.
         */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    type?: "deployment" | "maintenance" | "software_update" | "evaluation" | "certification" | "suspension" | "reinstatement" | "decommission" | "recycling" | "key_rotation" | "sanitization" | "filing" | "recoding" | "ownership_transfer";
                };
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "eventId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "ledgerIndex": 42,
                         *           "robotId": "CNB7K2B0A3T511000000000123455",
                         *           "type": "x",
                         *           "occurredAt": "2026-11-26T08:00:00.000Z",
                         *           "recordedAt": "2026-11-26T08:00:00.000Z",
                         *           "late": false,
                         *           "fromStatus": "x",
                         *           "toStatus": "x",
                         *           "data": {},
                         *           "actorOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e"
                         *         }
                         *       ],
                         *       "nextCursor": null
                         *     }
                         */
                        "application/json": {
                            items: {
                                /** Format: uuid */
                                actorOrgId: string;
                                data: {
                                    [key: string]: unknown;
                                };
                                /** Format: uuid */
                                eventId: string;
                                /** @description filed | in_service | maintenance | suspended | decommissioned | recycled */
                                fromStatus: string | null;
                                /** @description true when occurredAt lies more than 24 hours before recordedAt: recorded after the fact */
                                late: boolean;
                                ledgerIndex: number;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                occurredAt: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                recordedAt: string;
                                /** @description the ID the robot had when the event was recorded */
                                robotId: string;
                                /** @description filed | in_service | maintenance | suspended | decommissioned | recycled */
                                toStatus: string | null;
                                type: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Record a lifecycle event; an illegal transition is a 409 that changes nothing */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "type": "deployment",
                     *       "occurredAt": "2026-11-26T08:00:00.000Z",
                     *       "data": {}
                     *     }
                     */
                    "application/json": {
                        /** @description Depends on `type` (docs/lifecycle.md): deployment {siteName?, location?, purpose?}; maintenance {phase?: 'started'|'completed'|'performed' (default started), description, parts?}; software_update {component, fromVersion?, toVersion, provider?}; evaluation {intelligenceLevel: 0-5, standard?: 'T/CIE 298-2025', report?}; certification {certificate, scheme, validUntil}; suspension {reason: 'incident'|'recall'|'regulator'|'owner', note?}; reinstatement {note?}; decommission {reason}; recycling {recycler?, certificate?, receiverOrgId?, receiverCreditCode?, handoverAt?, items?: [{partNumber, serial?, kind}], treatment?: 'reuse'|'repurpose'|'material_recovery'|'disposal'} (the handover record, required when the model declares storage media: docs/end-of-life.md); key_rotation {devicePublicKey: base64url of the 32-byte Ed25519 key}; sanitization {media: [{mediaId, serial?, method: 'clear'|'purge'|'destroy', technique, tool?, verification, result: 'passed'|'failed'}], credentialsRevoked?}. */
                        data?: {
                            [key: string]: unknown;
                        };
                        /**
                         * Format: date-time
                         * @description default now; at most 5 minutes ahead, not before the start (UTC) of the robot's productionDate
                         */
                        occurredAt?: string;
                        /** @enum {unknown} */
                        type: "deployment" | "maintenance" | "software_update" | "evaluation" | "certification" | "suspension" | "reinstatement" | "decommission" | "recycling" | "key_rotation" | "sanitization";
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "eventId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "ledgerIndex": 42,
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "type": "x",
                         *       "occurredAt": "2026-11-26T08:00:00.000Z",
                         *       "recordedAt": "2026-11-26T08:00:00.000Z",
                         *       "late": false,
                         *       "fromStatus": "x",
                         *       "toStatus": "x",
                         *       "data": {},
                         *       "actorOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e"
                         *     }
                         */
                        "application/json": {
                            /** Format: uuid */
                            actorOrgId: string;
                            data: {
                                [key: string]: unknown;
                            };
                            /** Format: uuid */
                            eventId: string;
                            /** @description filed | in_service | maintenance | suspended | decommissioned | recycled */
                            fromStatus: string | null;
                            /** @description true when occurredAt lies more than 24 hours before recordedAt: recorded after the fact */
                            late: boolean;
                            ledgerIndex: number;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            occurredAt: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            recordedAt: string;
                            /** @description the ID the robot had when the event was recorded */
                            robotId: string;
                            /** @description filed | in_service | maintenance | suspended | decommissioned | recycled */
                            toStatus: string | null;
                            type: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ILLEGAL_TRANSITION",
                         *         "message": "The robot’s status does not allow this; nothing was changed."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/robots/{robotId}/grants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A robot's grants, live and past (owner and authorities) */
        get: {
            parameters: {
                query?: {
                    /** @description only live (true) or only ended (false) grants */
                    live?: boolean;
                };
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "grantId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "robotId": "CNB7K2B0A3T511000000000123455",
                         *           "orgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "grantedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "scopes": [
                         *             "maintenance"
                         *           ],
                         *           "expiresAt": "2026-11-26T08:00:00.000Z",
                         *           "createdAt": "2026-11-26T08:00:00.000Z",
                         *           "revokedAt": "2026-11-26T08:00:00.000Z",
                         *           "live": false,
                         *           "ledgerIndex": 42,
                         *           "revokeLedgerIndex": 1
                         *         }
                         *       ],
                         *       "nextCursor": null
                         *     }
                         */
                        "application/json": {
                            items: {
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                createdAt: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                expiresAt: string;
                                /** Format: uuid */
                                grantedBy: string;
                                /** Format: uuid */
                                grantId: string;
                                ledgerIndex: number;
                                live: boolean;
                                /** Format: uuid */
                                orgId: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                revokedAt: string | null;
                                revokeLedgerIndex: number | null;
                                robotId: string;
                                scopes: ("maintenance" | "software_update" | "evaluation" | "certification" | "recycling" | "telemetry")[];
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Grant an organisation scoped, expiring access to a robot (owner) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "orgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                     *       "scopes": [
                     *         "maintenance"
                     *       ],
                     *       "expiresAt": "2026-11-26T08:00:00.000Z"
                     *     }
                     */
                    "application/json": {
                        /**
                         * Format: date-time
                         * @description in the future, at most 5 years ahead
                         */
                        expiresAt: string;
                        /** Format: uuid */
                        orgId: string;
                        scopes: ("maintenance" | "software_update" | "evaluation" | "certification" | "recycling" | "telemetry")[];
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "grantId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "orgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "grantedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "scopes": [
                         *         "maintenance"
                         *       ],
                         *       "expiresAt": "2026-11-26T08:00:00.000Z",
                         *       "createdAt": "2026-11-26T08:00:00.000Z",
                         *       "revokedAt": "2026-11-26T08:00:00.000Z",
                         *       "live": false,
                         *       "ledgerIndex": 42,
                         *       "revokeLedgerIndex": 1
                         *     }
                         */
                        "application/json": {
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            createdAt: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            expiresAt: string;
                            /** Format: uuid */
                            grantedBy: string;
                            /** Format: uuid */
                            grantId: string;
                            ledgerIndex: number;
                            live: boolean;
                            /** Format: uuid */
                            orgId: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            revokedAt: string | null;
                            revokeLedgerIndex: number | null;
                            robotId: string;
                            scopes: ("maintenance" | "software_update" | "evaluation" | "certification" | "recycling" | "telemetry")[];
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "GRANT_SCOPE_NOT_ALLOWED",
                         *         "message": "The grantee’s kind cannot receive these scopes; details list the refused ones."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/robots/{robotId}/grants/{grantId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke a grant (owner); it stops working at once */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    grantId: string;
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /** @example  */
                        "text/plain": string;
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "CONFLICT",
                         *         "message": "The request conflicts with an existing record."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/robots/{robotId}/head": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The robot head: the last record of each of the robot's chains at a checkpointed tree size, signed by the log key */
        get: {
            parameters: {
                query?: {
                    /** @description a checkpointed size (default: the latest checkpoint, signed afresh if it misses the robot) */
                    treeSize?: number;
                };
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description <origin>/robot-head, robot ID, tree size, `records <seq> <index> <base64 leaf hash>`, and a `batches` line when the robot sent telemetry; then the signature */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example roboledger.example/log/robot-head
                         *     CNB7K2B0A3T511000000000123455
                         *     1024
                         *     records 7 1001 fSSnyX8WKcQTqrpvAYnt8Dy2594oMJ0zZa+XAOk6Skg=
                         *     batches 4411 1019 H7x8O6wVfzfb8gnXS5R5QyrNgViLVm/w/Sto7UZ9YV0=
                         *
                         *     — roboledger.example/log Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
                         */
                        "text/plain": string;
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/robots/{robotId}/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A robot's health and prognosis: trends, projections, grade and advisories
         * @description History: may be answered by the read replica, at most ROBOLEDGER_READ_MAX_LAG_MS behind the primary. The RoboLedger-Read response header says `replica` or `primary`; send `Cache-Control: no-cache` for the primary.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "assessedAt": "2026-11-26T08:00:00.000Z",
                         *       "grade": "good",
                         *       "reasons": [],
                         *       "battery": {
                         *         "packId": "x",
                         *         "sohPct": 96.2,
                         *         "sohFadePctPer1000h": 0.5,
                         *         "projectedMinSohAt": "2026-11-26T08:00:00.000Z",
                         *         "cycles": 152,
                         *         "deepDischargeEvents": 1,
                         *         "minutesAboveTempLimit": 1
                         *       },
                         *       "joints": [
                         *         {
                         *           "index": 41,
                         *           "wear": 0.5,
                         *           "wearPer1000h": 0.5,
                         *           "remainingUsefulLifeHours": 0.5
                         *         }
                         *       ],
                         *       "accuracy": {
                         *         "positionErrorMmP95": 0.5,
                         *         "trendMmPer1000h": 0.5,
                         *         "taskSuccessRate": 0.991
                         *       },
                         *       "operatingHours": 1532.4,
                         *       "advisories": [
                         *         {
                         *           "advisoryId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "kind": "battery_soh",
                         *           "component": "x",
                         *           "dueBy": "2026-11-26T08:00:00.000Z",
                         *           "dueInHours": 0.5,
                         *           "reason": "x",
                         *           "status": "open",
                         *           "raisedAt": "2026-11-26T08:00:00.000Z",
                         *           "closedAt": "2026-11-26T08:00:00.000Z",
                         *           "closedByEventId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "ledgerIndex": 42
                         *         }
                         *       ],
                         *       "basis": {
                         *         "from": "2026-11-26T08:00:00.000Z",
                         *         "to": "2026-11-26T08:00:00.000Z",
                         *         "batches": 1
                         *       }
                         *     }
                         */
                        "application/json": {
                            accuracy: {
                                positionErrorMmP95: number | null;
                                taskSuccessRate: number | null;
                                trendMmPer1000h: number | null;
                            };
                            advisories: {
                                /** Format: uuid */
                                advisoryId: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                closedAt: string | null;
                                /** Format: uuid */
                                closedByEventId: string | null;
                                /** @description battery, battery:<packId>, joint:<index> or accuracy */
                                component: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                dueBy: string;
                                /** @description operating hours left when raised */
                                dueInHours: number;
                                /** @enum {unknown} */
                                kind: "battery_soh" | "joint_wear" | "position_error";
                                ledgerIndex: number;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                raisedAt: string;
                                reason: string;
                                /** @enum {unknown} */
                                status: "open" | "closed";
                            }[];
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            assessedAt: string;
                            basis: {
                                batches: number;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                from: string | null;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                to: string | null;
                            };
                            battery: {
                                cycles: number;
                                deepDischargeEvents: number;
                                minutesAboveTempLimit: number;
                                /** @description serial of the installed pack; null: the original one */
                                packId: string | null;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                projectedMinSohAt: string | null;
                                sohFadePctPer1000h: number | null;
                                sohPct: number | null;
                            };
                            /** @enum {unknown} */
                            grade: "good" | "watch" | "poor";
                            joints: {
                                index: number;
                                remainingUsefulLifeHours: number | null;
                                wear: number;
                                wearPer1000h: number | null;
                            }[];
                            operatingHours: number;
                            reasons: string[];
                            robotId: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/robots/{robotId}/history-proof": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A robot's whole records chain: the opening of every record, each with its inclusion proof against one signed checkpoint, and the signed robot head */
        get: {
            parameters: {
                query?: {
                    /** @description a checkpointed size (default: the latest checkpoint, signed afresh if it misses the robot) */
                    treeSize?: number;
                };
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "treeSize": 1024,
                         *       "checkpoint": "x",
                         *       "head": "x",
                         *       "records": [
                         *         {
                         *           "opening": {
                         *             "index": 41,
                         *             "kind": "operator",
                         *             "salt": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                         *             "record": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
                         *           },
                         *           "leafHash": "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
                         *           "proof": [
                         *             "fRjmVaVxBhAvNmwfSaz0t0FYvZ+Rjb5i5aQHkCwrR0k="
                         *           ],
                         *           "late": false
                         *         }
                         *       ],
                         *       "laterRecords": 1
                         *     }
                         */
                        "application/json": {
                            /** @description the signed note every proof is against */
                            checkpoint: string;
                            /** @description the robot head at treeSize, a note signed by the log key */
                            head: string;
                            /** @description records of the robot appended after that checkpoint */
                            laterRecords: number;
                            /** @description the records chain, seq 0 … the head seq */
                            records: {
                                /** @description true when occurredAt lies more than 24 hours before recordedAt: recorded after the fact */
                                late: boolean;
                                /**
                                 * Format: byte
                                 * @description standard padded base64
                                 */
                                leafHash: string;
                                /** @description SHA-256(salt ‖ record) is the commitment of the entry at index */
                                opening: {
                                    /** @description the leaf index */
                                    index: number;
                                    /** @description the record kind, as in the entry */
                                    kind: string;
                                    /**
                                     * Format: byte
                                     * @description standard padded base64
                                     */
                                    record: string;
                                    /**
                                     * Format: byte
                                     * @description standard padded base64
                                     */
                                    salt: string;
                                };
                                proof: string[];
                            }[];
                            /** @description the robot ID at treeSize */
                            robotId: string;
                            treeSize: number;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/robots/{robotId}/period-shares": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Share the telemetry of your ended ownership periods with a later owner of the robot (former owner) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "toOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e"
                     *     }
                     */
                    "application/json": {
                        /** Format: uuid */
                        toOrgId: string;
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "fromOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "toOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "periods": [
                         *         {
                         *           "from": "2026-11-26T08:00:00.000Z",
                         *           "to": "2026-11-26T08:00:00.000Z",
                         *           "ledgerIndex": 42
                         *         }
                         *       ]
                         *     }
                         */
                        "application/json": {
                            /** Format: uuid */
                            fromOrgId: string;
                            /** @description the periods shared by this request */
                            periods: {
                                /** @description null: from the robot's beginning */
                                from: string | (never | null);
                                ledgerIndex: number;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                to: string;
                            }[];
                            robotId: string;
                            /** Format: uuid */
                            toOrgId: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "CONFLICT",
                         *         "message": "The request conflicts with an existing record."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/robots/{robotId}/recalls": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The recall campaigns affecting a robot, each with its unit */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "campaignId": "x",
                         *           "openedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "manufacturerId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "modelIds": [
                         *             "0f8fad5b-d9cb-469f-a165-70867728950e"
                         *           ],
                         *           "hardwareRevisions": [
                         *             "x"
                         *           ],
                         *           "software": {
                         *             "component": "x",
                         *             "versions": [
                         *               "x"
                         *             ]
                         *           },
                         *           "productionFrom": "2026-05-14",
                         *           "productionTo": "2026-05-14",
                         *           "component": "x",
                         *           "summary": "x",
                         *           "consequence": "x",
                         *           "remedy": {
                         *             "type": "software",
                         *             "software": {
                         *               "component": "x",
                         *               "version": "x"
                         *             },
                         *             "availableAt": "2026-11-26T08:00:00.000Z"
                         *           },
                         *           "doNotOperate": false,
                         *           "openedAt": "2026-11-26T08:00:00.000Z",
                         *           "affected": 1,
                         *           "ledgerIndex": 42,
                         *           "unit": {
                         *             "robotId": "CNB7K2B0A3T511000000000123455",
                         *             "status": "open_remedy_not_available",
                         *             "suspendedByCampaign": false,
                         *             "remediedAt": "2026-11-26T08:00:00.000Z",
                         *             "remediedByEventId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *             "attestedSeq": 1,
                         *             "declinedAt": "2026-11-26T08:00:00.000Z",
                         *             "declineReason": "x"
                         *           }
                         *         }
                         *       ]
                         *     }
                         */
                        "application/json": {
                            items: {
                                /** @description robots the campaign affects */
                                affected: number;
                                /** @description e.g. R-2026-014: letters, digits and ._- (1-100) */
                                campaignId: string;
                                component: string;
                                consequence: string;
                                doNotOperate: boolean;
                                hardwareRevisions: string[] | null;
                                ledgerIndex: number;
                                /** Format: uuid */
                                manufacturerId: string | null;
                                modelIds: string[] | null;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                openedAt: string;
                                /** Format: uuid */
                                openedBy: string;
                                /** Format: date */
                                productionFrom: string | null;
                                /** Format: date */
                                productionTo: string | null;
                                remedy: {
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    availableAt: string | null;
                                    software: {
                                        component: string;
                                        version: string;
                                    } | null;
                                    /** @enum {unknown} */
                                    type: "software" | "part" | "inspection";
                                };
                                software: {
                                    component: string;
                                    versions: string[];
                                } | null;
                                summary: string;
                                unit: {
                                    /** @description the telemetry batch that attested a software remedy */
                                    attestedSeq: number | null;
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    declinedAt: string | null;
                                    declineReason: string | null;
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    remediedAt: string | null;
                                    /** Format: uuid */
                                    remediedByEventId: string | null;
                                    robotId: string;
                                    /** @enum {unknown} */
                                    status: "open_remedy_not_available" | "open" | "remedied" | "unavailable" | "declined";
                                    suspendedByCampaign: boolean;
                                };
                            }[];
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/robots/{robotId}/recode": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Issue a new ID to one of your robots (manufacturer), e.g. after a hardware rebuild */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "hardwareRevision": "1",
                     *       "siteCode": "1",
                     *       "intelligenceLevel": 3,
                     *       "productionDate": "2026-05-14"
                     *     }
                     */
                    "application/json": {
                        /** @description a hardware revision of the model */
                        hardwareRevision?: string;
                        /** @description L1-L5 per T/CIE 298-2025; 0 = not graded */
                        intelligenceLevel?: number;
                        /** @description YYYY-MM-DD, 2010-2039 and not in the future */
                        productionDate?: string;
                        /** @description one of your registered sites */
                        siteCode?: string;
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "decoded": {
                         *         "scheme": "RID-1",
                         *         "display": "CN B7K2 B0A3T5 11000000000123455",
                         *         "country": "CN",
                         *         "countryName": "China",
                         *         "enterprise": "B7K2",
                         *         "category": "B",
                         *         "categoryName": "biped",
                         *         "model": "0A",
                         *         "levelAsFiled": 3,
                         *         "levelLabel": "L3",
                         *         "productionYear": 2026,
                         *         "productionMonth": 5,
                         *         "hardwareRevision": "1",
                         *         "site": "1",
                         *         "unitSequence": "12345",
                         *         "unitSequencePadded": "00000000012345",
                         *         "check": "5",
                         *         "modelCode": "0A",
                         *         "serial": "11000000000123455"
                         *       },
                         *       "model": {
                         *         "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *         "name": "Shenzhen Humanoid Works",
                         *         "modelCode": "0A",
                         *         "category": "B",
                         *         "jointCount": 28,
                         *         "limits": {
                         *           "minBatterySohPct": 80,
                         *           "maxJointWear": 0.6,
                         *           "maxPositionErrorMm": 5
                         *         }
                         *       },
                         *       "manufacturer": {
                         *         "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *         "name": "Shenzhen Humanoid Works",
                         *         "country": "CN",
                         *         "enterpriseCode": "B7K2"
                         *       },
                         *       "owner": {
                         *         "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *         "name": "Shenzhen Humanoid Works",
                         *         "kind": "operator"
                         *       },
                         *       "site": {
                         *         "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *         "code": "1",
                         *         "name": "Shenzhen Humanoid Works",
                         *         "region": "Guangdong"
                         *       },
                         *       "status": "in_service",
                         *       "intelligenceLevel": 3,
                         *       "intelligenceLevelFiled": 3,
                         *       "hardwareRevision": "1",
                         *       "productionDate": "2026-05-14",
                         *       "devicePublicKey": "m8L4xJ0vQ2ZsWb6T1yN9kR3cF5hU7eA2pD4gX8oI0uY",
                         *       "previousRobotIds": [],
                         *       "filedAt": "2026-11-26T08:00:00.000Z",
                         *       "updatedAt": "2026-11-26T08:00:00.000Z",
                         *       "ledgerIndex": 42
                         *     }
                         */
                        "application/json": {
                            decoded: {
                                category: string;
                                categoryName: string;
                                check: string;
                                country: string;
                                countryName: string;
                                /** @description grouped 2/4/6/17 for people */
                                display: string;
                                enterprise: string;
                                hardwareRevision: string;
                                levelAsFiled: number;
                                levelLabel: string;
                                model: string;
                                /** @description positions 7-12, the public model code */
                                modelCode: string;
                                productionMonth: number;
                                productionYear: number;
                                scheme: string;
                                /** @description positions 13-29, the public serial */
                                serial: string;
                                site: string;
                                /** @description without its left padding */
                                unitSequence: string;
                                unitSequencePadded: string;
                            };
                            /** @description live Ed25519 key, base64url */
                            devicePublicKey: string | null;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            filedAt: string;
                            hardwareRevision: string;
                            /** @description current level (evaluations change it) */
                            intelligenceLevel: number;
                            /** @description level as filed, position 10 of the ID */
                            intelligenceLevelFiled: number;
                            /** @description ledger index of the filing event */
                            ledgerIndex: number;
                            manufacturer: {
                                country: string;
                                enterpriseCode: string;
                                /** Format: uuid */
                                id: string;
                                name: string;
                            };
                            model: {
                                category: string;
                                /** Format: uuid */
                                id: string;
                                jointCount: number;
                                limits: {
                                    maxJointWear: number;
                                    maxPositionErrorMm: number;
                                    minBatterySohPct: number;
                                };
                                modelCode: string;
                                name: string;
                            };
                            /** @description null when a former owner asks: who owns the robot now is not its to know */
                            owner: {
                                /** Format: uuid */
                                id: string;
                                /** @enum {unknown} */
                                kind: "registry" | "manufacturer" | "operator" | "maintainer" | "software_provider" | "assessor" | "recycler" | "regulator";
                                name: string;
                            } | null;
                            /** @description IDs this robot had before re-coding */
                            previousRobotIds: string[];
                            productionDate: string;
                            /** @description the current ID, canonical form */
                            robotId: string;
                            site: {
                                code: string;
                                /** Format: uuid */
                                id: string;
                                name: string;
                                region: string;
                            };
                            /** @enum {unknown} */
                            status: "filed" | "in_service" | "maintenance" | "suspended" | "decommissioned" | "recycled";
                            /** @description present when the robot was asked for by a superseded ID: its current ID */
                            supersededBy?: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            updatedAt: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "CONFLICT",
                         *         "message": "The request conflicts with an existing record."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "HARDWARE_REVISION_UNKNOWN",
                         *         "message": "The hardware revision is not one registered for the model."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/robots/{robotId}/report": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The robot's history report for the caller's tier: authority, owner (owner, manufacturer) or buyer (pending transfer recipient, or X-Report-Token of a live share) */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description a live share token; no API key needed */
                    "x-report-token"?: string;
                };
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description roboledger-history-report/1 (docs/history-report.md): summary, identity, configuration, sections, health, coverage, proof and the log key’s signature over its RFC 8785 canonical JSON. With Accept: text/html, the same report as a printable page. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /** @example {} */
                        "application/json": {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/robots/{robotId}/report-shares": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The owner's report shares of the robot, newest first (never their tokens) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "shareId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "createdAt": "2026-11-26T08:00:00.000Z",
                         *           "expiresAt": "2026-11-26T08:00:00.000Z",
                         *           "revokedAt": "2026-11-26T08:00:00.000Z",
                         *           "live": false
                         *         }
                         *       ]
                         *     }
                         */
                        "application/json": {
                            items: {
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                createdAt: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                expiresAt: string;
                                live: boolean;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                revokedAt: string | null;
                                /** Format: uuid */
                                shareId: string;
                            }[];
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Share the robot's report (buyer tier) by a token, until expiresAt (at most 30 days); the owner only */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "expiresAt": "2026-11-26T08:00:00.000Z"
                     *     }
                     */
                    "application/json": {
                        /**
                         * Format: date-time
                         * @description RFC 3339
                         */
                        expiresAt: string;
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "shareId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "token": "x",
                         *       "expiresAt": "2026-11-26T08:00:00.000Z"
                         *     }
                         */
                        "application/json": {
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            expiresAt: string;
                            /** Format: uuid */
                            shareId: string;
                            /** @description shown this once: send it as X-Report-Token */
                            token: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/robots/{robotId}/report-shares/{shareId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke a report share: its token stops working at once */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                    shareId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /** @example  */
                        "text/plain": string;
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/robots/{robotId}/telemetry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A robot's telemetry: raw samples or 1m/1h/1d rollups (min/max/avg, worst joint wear)
         * @description History: may be answered by the read replica, at most ROBOLEDGER_READ_MAX_LAG_MS behind the primary. The RoboLedger-Read response header says `replica` or `primary`; send `Cache-Control: no-cache` for the primary.
         */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    /** @description RFC 3339 */
                    from?: string;
                    limit?: number;
                    resolution?: "raw" | "1m" | "1h" | "1d";
                    /** @description RFC 3339 */
                    to?: string;
                };
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "resolution": "raw",
                         *       "from": "2026-11-26T08:00:00.000Z",
                         *       "to": "2026-11-26T08:00:00.000Z",
                         *       "items": [
                         *         {
                         *           "t": "2026-11-26T08:00:00.000Z",
                         *           "seq": 42,
                         *           "battery": {
                         *             "socPct": 87.5,
                         *             "sohPct": 96.2,
                         *             "cycles": 152,
                         *             "tempC": 0.5
                         *           },
                         *           "joints": {
                         *             "wear": [
                         *               0.012,
                         *               0.013
                         *             ],
                         *             "tempC": [
                         *               0.5
                         *             ]
                         *           },
                         *           "accuracy": {
                         *             "positionErrorMm": 1.8,
                         *             "taskSuccessRate": 0.991
                         *           },
                         *           "operatingHours": 1532.4,
                         *           "faults": [],
                         *           "counterRollback": true
                         *         }
                         *       ],
                         *       "nextCursor": null
                         *     }
                         */
                        "application/json": {
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            from: string;
                            items: ({
                                accuracy: {
                                    positionErrorMm: number;
                                    taskSuccessRate: number;
                                };
                                battery: {
                                    cycles: number;
                                    socPct: number;
                                    sohPct: number;
                                    tempC: number;
                                };
                                /**
                                 * @description present on a sample whose operatingHours or battery cycles is below the sample before it, with no replacement recorded
                                 * @enum {boolean}
                                 */
                                counterRollback?: true;
                                faults: string[];
                                joints: {
                                    tempC: number[];
                                    wear: number[];
                                };
                                operatingHours: number;
                                seq: number;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                t: string;
                            } | {
                                accuracy: {
                                    positionErrorMm: {
                                        avg: number;
                                        max: number;
                                        min: number;
                                    };
                                    taskSuccessRate: {
                                        avg: number;
                                        max: number;
                                        min: number;
                                    };
                                };
                                battery: {
                                    maxCycles: number;
                                    socPct: {
                                        avg: number;
                                        max: number;
                                        min: number;
                                    };
                                    sohPct: {
                                        avg: number;
                                        max: number;
                                        min: number;
                                    };
                                    tempC: {
                                        avg: number;
                                        max: number;
                                        min: number;
                                    };
                                };
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                bucket: string;
                                faults: number;
                                joints: {
                                    maxTempC: {
                                        avg: number;
                                        max: number;
                                        min: number;
                                    };
                                    worstWear: {
                                        avg: number;
                                        max: number;
                                        min: number;
                                    };
                                };
                                operatingHours: number;
                                samples: number;
                            })[];
                            nextCursor: string | null;
                            /** @enum {unknown} */
                            resolution: "raw" | "1m" | "1h" | "1d";
                            robotId: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            to: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/robots/{robotId}/telemetry/batches": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A robot's stored batches with their JWS exactly as received, by first sample time (those whose samples overlap [from, to))
         * @description Always read on the primary (RoboLedger-Read: primary), whatever the replica: a robot resends the batches this list lacks.
         */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    /** @description RFC 3339 */
                    from?: string;
                    limit?: number;
                    /** @description RFC 3339 */
                    to?: string;
                    /** @description a checkpointed size: only batches logged below it, each with its inclusion proof */
                    treeSize?: number;
                };
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "seq": 42,
                         *           "ledgerIndex": 42,
                         *           "jws": "x",
                         *           "receivedAt": "2026-11-26T08:00:00.000Z",
                         *           "firstSampleAt": "2026-11-26T08:00:00.000Z",
                         *           "lastSampleAt": "2026-11-26T08:00:00.000Z",
                         *           "opening": {
                         *             "index": 41,
                         *             "kind": "operator",
                         *             "salt": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                         *             "record": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
                         *           },
                         *           "leafHash": "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
                         *           "proof": [
                         *             "fRjmVaVxBhAvNmwfSaz0t0FYvZ+Rjb5i5aQHkCwrR0k="
                         *           ]
                         *         }
                         *       ],
                         *       "nextCursor": null
                         *     }
                         */
                        "application/json": {
                            items: {
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                firstSampleAt: string;
                                /** @description the compact JWS exactly as received */
                                jws: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                lastSampleAt: string;
                                /**
                                 * Format: byte
                                 * @description standard padded base64
                                 */
                                leafHash: string;
                                /** @description the batch digest's ledger leaf */
                                ledgerIndex: number;
                                /** @description the opening of the batch's ledger record (it holds its batchChain link and jwsSha256) */
                                opening: {
                                    index: number;
                                    kind: string;
                                    /**
                                     * Format: byte
                                     * @description standard padded base64
                                     */
                                    record: string;
                                    /**
                                     * Format: byte
                                     * @description standard padded base64
                                     */
                                    salt: string;
                                };
                                /** @description with treeSize: the inclusion proof of the leaf at that size */
                                proof?: string[];
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                receivedAt: string;
                                seq: number;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/robots/{robotId}/telemetry/latest": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A robot's latest sample, its health grade against the model's limits, and its open alerts
         * @description History: may be answered by the read replica, at most ROBOLEDGER_READ_MAX_LAG_MS behind the primary. The RoboLedger-Read response header says `replica` or `primary`; send `Cache-Control: no-cache` for the primary.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "latest": {
                         *         "t": "2026-11-26T08:00:00.000Z",
                         *         "seq": 42,
                         *         "battery": {
                         *           "socPct": 87.5,
                         *           "sohPct": 96.2,
                         *           "cycles": 152,
                         *           "tempC": 0.5
                         *         },
                         *         "joints": {
                         *           "wear": [
                         *             0.012,
                         *             0.013
                         *           ],
                         *           "tempC": [
                         *             0.5
                         *           ]
                         *         },
                         *         "accuracy": {
                         *           "positionErrorMm": 1.8,
                         *           "taskSuccessRate": 0.991
                         *         },
                         *         "operatingHours": 1532.4,
                         *         "faults": [],
                         *         "counterRollback": true
                         *       },
                         *       "health": {
                         *         "grade": "good",
                         *         "reasons": [],
                         *         "margins": {}
                         *       },
                         *       "openAlerts": 1
                         *     }
                         */
                        "application/json": {
                            health: {
                                grade: string;
                                margins: {
                                    [key: string]: number;
                                };
                                reasons: string[];
                            } | null;
                            latest: {
                                accuracy: {
                                    positionErrorMm: number;
                                    taskSuccessRate: number;
                                };
                                battery: {
                                    cycles: number;
                                    socPct: number;
                                    sohPct: number;
                                    tempC: number;
                                };
                                /**
                                 * @description present on a sample whose operatingHours or battery cycles is below the sample before it, with no replacement recorded
                                 * @enum {boolean}
                                 */
                                counterRollback?: true;
                                faults: string[];
                                joints: {
                                    tempC: number[];
                                    wear: number[];
                                };
                                operatingHours: number;
                                seq: number;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                t: string;
                            } | null;
                            openAlerts: number;
                            robotId: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/robots/{robotId}/transfers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Offer a robot to another organisation (owner); one open offer per robot */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "toOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                     *       "usage": {
                     *         "operatingHours": 1532.4,
                     *         "status": "actual"
                     *       }
                     *     }
                     */
                    "application/json": {
                        /** Format: uuid */
                        toOrgId: string;
                        usage?: {
                            operatingHours: number;
                            /**
                             * @description actual: checked against the last signed reading; exceeds_limit, not_actual: stated as such
                             * @enum {unknown}
                             */
                            status: "actual" | "exceeds_limit" | "not_actual";
                        };
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "transferId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "status": "pending",
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "fromOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "toOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "createdAt": "2026-11-26T08:00:00.000Z",
                         *       "decidedAt": "2026-11-26T08:00:00.000Z",
                         *       "decidedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "ledgerIndex": 42,
                         *       "decisionLedgerIndex": 1,
                         *       "usage": {
                         *         "operatingHours": 1532.4,
                         *         "status": "actual"
                         *       }
                         *     }
                         */
                        "application/json": {
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            createdAt: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            decidedAt: string | null;
                            /** Format: uuid */
                            decidedBy: string | null;
                            decisionLedgerIndex: number | null;
                            /** Format: uuid */
                            fromOrgId: string;
                            ledgerIndex: number;
                            /** @description the robot’s current ID */
                            robotId: string;
                            /** @enum {unknown} */
                            status: "pending" | "accepted" | "rejected" | "cancelled";
                            /** Format: uuid */
                            toOrgId: string;
                            /** Format: uuid */
                            transferId: string;
                            /** @description the usage the offering owner disclosed (docs/certificates.md "Usage disclosure"); null if none */
                            usage: {
                                operatingHours: number;
                                /** @enum {unknown} */
                                status: "actual" | "exceeds_limit" | "not_actual";
                            } | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "ROBOT_NOT_FOUND",
                         *         "message": "No robot has this ID, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "TRANSFER_NOT_PENDING",
                         *         "message": "The transfer was already accepted, rejected or cancelled."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "TRANSFER_RECIPIENT_INVALID",
                         *         "message": "The recipient is an authority (registry or regulator), which cannot own robots."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/sites": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List sites: a manufacturer sees its own, everyone else all (filter by manufacturerId) */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    manufacturerId?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "manufacturerId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "code": "1",
                         *           "name": "Shenzhen Humanoid Works",
                         *           "region": "Guangdong",
                         *           "createdAt": "2026-11-26T08:00:00.000Z",
                         *           "ledgerIndex": 42
                         *         }
                         *       ],
                         *       "nextCursor": null
                         *     }
                         */
                        "application/json": {
                            items: {
                                code: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                createdAt: string;
                                /** Format: uuid */
                                id: string;
                                ledgerIndex: number;
                                /** Format: uuid */
                                manufacturerId: string;
                                name: string;
                                region: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Register a production site (manufacturer) */
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
                     *       "code": "1",
                     *       "name": "Shenzhen Humanoid Works",
                     *       "region": "Guangdong"
                     *     }
                     */
                    "application/json": {
                        /** @description RID-1 position 14; unique per manufacturer */
                        code: string;
                        name: string;
                        /** @description GB/T 2260 code (6 digits) or ISO 3166-2 code such as CN-HB */
                        region: string;
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "manufacturerId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "code": "1",
                         *       "name": "Shenzhen Humanoid Works",
                         *       "region": "Guangdong",
                         *       "createdAt": "2026-11-26T08:00:00.000Z",
                         *       "ledgerIndex": 42
                         *     }
                         */
                        "application/json": {
                            code: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            createdAt: string;
                            /** Format: uuid */
                            id: string;
                            ledgerIndex: number;
                            /** Format: uuid */
                            manufacturerId: string;
                            name: string;
                            region: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "CONFLICT",
                         *         "message": "The request conflicts with an existing record."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/telemetry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a signed telemetry batch (compact JWS, EdDSA, kid = robot ID); 202 once durable */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            /** @description the compact JWS */
            requestBody: {
                content: {
                    /** @example eyJhbGciOiJFZERTQSIsImtpZCI6IkNOQjdLMkIwQTNUNTExMDAwMDAwMDAwMTIzNDU1In0.eyJyb2JvdElkIjoiQ05CN0syQjBBM1Q1MTEwMDAwMDAwMDAxMjM0NTUiLCJzZXEiOjQyLCJzYW1wbGVzIjpbXX0.c2lnbmF0dXJl */
                    "application/jose": string;
                };
            };
            responses: {
                /** @description Success */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "accepted": 1,
                         *       "duplicate": false,
                         *       "ledgerIndex": 42
                         *     }
                         */
                        "application/json": {
                            /** @description samples in the batch */
                            accepted: number;
                            /** @description this (robotId, seq) was already stored; stored once */
                            duplicate: boolean;
                            /** @description the batch digest's ledger leaf */
                            ledgerIndex?: number;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "TELEMETRY_MALFORMED_JWS",
                         *         "message": "The batch is not a compact JWS in canonical base64url with a JSON header of alg, kid (and typ \"JOSE\") only, each once."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "TELEMETRY_ROBOT_INACTIVE",
                         *         "message": "The robot is decommissioned or recycled and sends no more telemetry."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "PAYLOAD_TOO_LARGE",
                         *         "message": "The body exceeds the size limit of the route."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNSUPPORTED_MEDIA_TYPE",
                         *         "message": "The Content-Type is not one the route accepts."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "TELEMETRY_SIGNATURE_INVALID",
                         *         "message": "The signature does not verify with the robot's registered keys."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "TELEMETRY_QUEUE_FULL",
                         *         "message": "The ingest queue is full; retry after the Retry-After header."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_READY",
                         *         "message": "The platform is starting or its database is unreachable."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/transfers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Transfers the caller is a party to (authorities: all, unless a direction is given) */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    direction?: "incoming" | "outgoing";
                    limit?: number;
                    /** @description robot ID (RID-1), canonical or display form */
                    robotId?: string;
                    status?: "pending" | "accepted" | "rejected" | "cancelled";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "transferId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "status": "pending",
                         *           "robotId": "CNB7K2B0A3T511000000000123455",
                         *           "fromOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "toOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "createdAt": "2026-11-26T08:00:00.000Z",
                         *           "decidedAt": "2026-11-26T08:00:00.000Z",
                         *           "decidedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "ledgerIndex": 42,
                         *           "decisionLedgerIndex": 1,
                         *           "usage": {
                         *             "operatingHours": 1532.4,
                         *             "status": "actual"
                         *           }
                         *         }
                         *       ],
                         *       "nextCursor": null
                         *     }
                         */
                        "application/json": {
                            items: {
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                createdAt: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                decidedAt: string | null;
                                /** Format: uuid */
                                decidedBy: string | null;
                                decisionLedgerIndex: number | null;
                                /** Format: uuid */
                                fromOrgId: string;
                                ledgerIndex: number;
                                /** @description the robot’s current ID */
                                robotId: string;
                                /** @enum {unknown} */
                                status: "pending" | "accepted" | "rejected" | "cancelled";
                                /** Format: uuid */
                                toOrgId: string;
                                /** Format: uuid */
                                transferId: string;
                                /** @description the usage the offering owner disclosed (docs/certificates.md "Usage disclosure"); null if none */
                                usage: {
                                    operatingHours: number;
                                    /** @enum {unknown} */
                                    status: "actual" | "exceeds_limit" | "not_actual";
                                } | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/transfers/{transferId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One transfer (its parties and authorities) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    transferId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "transferId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "status": "pending",
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "fromOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "toOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "createdAt": "2026-11-26T08:00:00.000Z",
                         *       "decidedAt": "2026-11-26T08:00:00.000Z",
                         *       "decidedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "ledgerIndex": 42,
                         *       "decisionLedgerIndex": 1,
                         *       "usage": {
                         *         "operatingHours": 1532.4,
                         *         "status": "actual"
                         *       }
                         *     }
                         */
                        "application/json": {
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            createdAt: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            decidedAt: string | null;
                            /** Format: uuid */
                            decidedBy: string | null;
                            decisionLedgerIndex: number | null;
                            /** Format: uuid */
                            fromOrgId: string;
                            ledgerIndex: number;
                            /** @description the robot’s current ID */
                            robotId: string;
                            /** @enum {unknown} */
                            status: "pending" | "accepted" | "rejected" | "cancelled";
                            /** Format: uuid */
                            toOrgId: string;
                            /** Format: uuid */
                            transferId: string;
                            /** @description the usage the offering owner disclosed (docs/certificates.md "Usage disclosure"); null if none */
                            usage: {
                                operatingHours: number;
                                /** @enum {unknown} */
                                status: "actual" | "exceeds_limit" | "not_actual";
                            } | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/transfers/{transferId}/accept": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Accept a transfer (recipient): ownership moves, the old owner’s grants end */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    transferId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "transferId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "status": "pending",
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "fromOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "toOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "createdAt": "2026-11-26T08:00:00.000Z",
                         *       "decidedAt": "2026-11-26T08:00:00.000Z",
                         *       "decidedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "ledgerIndex": 42,
                         *       "decisionLedgerIndex": 1,
                         *       "usage": {
                         *         "operatingHours": 1532.4,
                         *         "status": "actual"
                         *       }
                         *     }
                         */
                        "application/json": {
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            createdAt: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            decidedAt: string | null;
                            /** Format: uuid */
                            decidedBy: string | null;
                            decisionLedgerIndex: number | null;
                            /** Format: uuid */
                            fromOrgId: string;
                            ledgerIndex: number;
                            /** @description the robot’s current ID */
                            robotId: string;
                            /** @enum {unknown} */
                            status: "pending" | "accepted" | "rejected" | "cancelled";
                            /** Format: uuid */
                            toOrgId: string;
                            /** Format: uuid */
                            transferId: string;
                            /** @description the usage the offering owner disclosed (docs/certificates.md "Usage disclosure"); null if none */
                            usage: {
                                operatingHours: number;
                                /** @enum {unknown} */
                                status: "actual" | "exceeds_limit" | "not_actual";
                            } | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "TRANSFER_NOT_PENDING",
                         *         "message": "The transfer was already accepted, rejected or cancelled."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/transfers/{transferId}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel an open transfer (the offering owner) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    transferId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "transferId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "status": "pending",
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "fromOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "toOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "createdAt": "2026-11-26T08:00:00.000Z",
                         *       "decidedAt": "2026-11-26T08:00:00.000Z",
                         *       "decidedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "ledgerIndex": 42,
                         *       "decisionLedgerIndex": 1,
                         *       "usage": {
                         *         "operatingHours": 1532.4,
                         *         "status": "actual"
                         *       }
                         *     }
                         */
                        "application/json": {
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            createdAt: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            decidedAt: string | null;
                            /** Format: uuid */
                            decidedBy: string | null;
                            decisionLedgerIndex: number | null;
                            /** Format: uuid */
                            fromOrgId: string;
                            ledgerIndex: number;
                            /** @description the robot’s current ID */
                            robotId: string;
                            /** @enum {unknown} */
                            status: "pending" | "accepted" | "rejected" | "cancelled";
                            /** Format: uuid */
                            toOrgId: string;
                            /** Format: uuid */
                            transferId: string;
                            /** @description the usage the offering owner disclosed (docs/certificates.md "Usage disclosure"); null if none */
                            usage: {
                                operatingHours: number;
                                /** @enum {unknown} */
                                status: "actual" | "exceeds_limit" | "not_actual";
                            } | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "TRANSFER_NOT_PENDING",
                         *         "message": "The transfer was already accepted, rejected or cancelled."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/transfers/{transferId}/reject": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Reject a transfer (recipient) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    transferId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "transferId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "status": "pending",
                         *       "robotId": "CNB7K2B0A3T511000000000123455",
                         *       "fromOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "toOrgId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "createdAt": "2026-11-26T08:00:00.000Z",
                         *       "decidedAt": "2026-11-26T08:00:00.000Z",
                         *       "decidedBy": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "ledgerIndex": 42,
                         *       "decisionLedgerIndex": 1,
                         *       "usage": {
                         *         "operatingHours": 1532.4,
                         *         "status": "actual"
                         *       }
                         *     }
                         */
                        "application/json": {
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            createdAt: string;
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            decidedAt: string | null;
                            /** Format: uuid */
                            decidedBy: string | null;
                            decisionLedgerIndex: number | null;
                            /** Format: uuid */
                            fromOrgId: string;
                            ledgerIndex: number;
                            /** @description the robot’s current ID */
                            robotId: string;
                            /** @enum {unknown} */
                            status: "pending" | "accepted" | "rejected" | "cancelled";
                            /** Format: uuid */
                            toOrgId: string;
                            /** Format: uuid */
                            transferId: string;
                            /** @description the usage the offering owner disclosed (docs/certificates.md "Usage disclosure"); null if none */
                            usage: {
                                operatingHours: number;
                                /** @enum {unknown} */
                                status: "actual" | "exceeds_limit" | "not_actual";
                            } | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "FORBIDDEN",
                         *         "message": "Authenticated, but this organisation may not do this."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "TRANSFER_NOT_PENDING",
                         *         "message": "The transfer was already accepted, rejected or cancelled."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller’s webhooks (never their secrets) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "webhookId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "url": "x",
                         *           "types": [
                         *             "transfer.offered"
                         *           ],
                         *           "createdAt": "2026-11-26T08:00:00.000Z"
                         *         }
                         *       ]
                         *     }
                         */
                        "application/json": {
                            items: {
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                createdAt: string;
                                /** @description the types delivered; empty: every type */
                                types: ("transfer.offered" | "transfer.decided" | "recall.opened" | "recall.remedied" | "alert.raised" | "advisory.raised" | "incident.reported" | "incident.finding" | "hold.changed")[];
                                url: string;
                                /** Format: uuid */
                                webhookId: string;
                            }[];
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Register a webhook (Standard Webhooks); the answer is the only one that shows its secret */
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
                     *       "url": "x",
                     *       "types": [
                     *         "transfer.offered"
                     *       ]
                     *     }
                     */
                    "application/json": {
                        types: ("transfer.offered" | "transfer.decided" | "recall.opened" | "recall.remedied" | "alert.raised" | "advisory.raised" | "incident.reported" | "incident.finding" | "hold.changed")[];
                        url: string;
                    };
                };
            };
            responses: {
                /** @description Success */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "webhookId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *       "url": "x",
                         *       "types": [
                         *         "transfer.offered"
                         *       ],
                         *       "createdAt": "2026-11-26T08:00:00.000Z",
                         *       "secret": "x"
                         *     }
                         */
                        "application/json": {
                            /**
                             * Format: date-time
                             * @description RFC 3339
                             */
                            createdAt: string;
                            /** @description whsec_ and the base64 signing key; shown once */
                            secret: string;
                            /** @description the types delivered; empty: every type */
                            types: ("transfer.offered" | "transfer.decided" | "recall.opened" | "recall.remedied" | "alert.raised" | "advisory.raised" | "incident.reported" | "incident.finding" | "hold.changed")[];
                            url: string;
                            /** Format: uuid */
                            webhookId: string;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "CONFLICT",
                         *         "message": "The request conflicts with an existing record."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
    "/v1/webhooks/{webhookId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete one of the caller’s webhooks; its pending deliveries are cancelled */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    webhookId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /** @example  */
                        "text/plain": string;
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{webhookId}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A webhook’s deliveries, newest first, each with every attempt (status, error, duration) */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                };
                header?: never;
                path: {
                    webhookId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Success */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "items": [
                         *         {
                         *           "deliveryId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "notificationId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                         *           "type": "transfer.offered",
                         *           "status": "pending",
                         *           "createdAt": "2026-11-26T08:00:00.000Z",
                         *           "nextAttemptAt": "2026-11-26T08:00:00.000Z",
                         *           "deliveredAt": "2026-11-26T08:00:00.000Z",
                         *           "attempts": [
                         *             {
                         *               "attempt": 1,
                         *               "at": "2026-11-26T08:00:00.000Z",
                         *               "statusCode": 1,
                         *               "error": "x",
                         *               "durationMs": 1
                         *             }
                         *           ]
                         *         }
                         *       ],
                         *       "nextCursor": null
                         *     }
                         */
                        "application/json": {
                            items: {
                                attempts: {
                                    /**
                                     * Format: date-time
                                     * @description RFC 3339
                                     */
                                    at: string;
                                    attempt: number;
                                    durationMs: number;
                                    error: string | null;
                                    statusCode: number | null;
                                }[];
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                createdAt: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                deliveredAt: string | null;
                                /** Format: uuid */
                                deliveryId: string;
                                /**
                                 * Format: date-time
                                 * @description RFC 3339
                                 */
                                nextAttemptAt: string | null;
                                /** Format: uuid */
                                notificationId: string;
                                /** @enum {unknown} */
                                status: "pending" | "delivered" | "failed" | "cancelled";
                                /** @enum {unknown} */
                                type: "transfer.offered" | "transfer.decided" | "recall.opened" | "recall.remedied" | "alert.raised" | "advisory.raised" | "incident.reported" | "incident.finding" | "hold.changed";
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description every error answer */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "VALIDATION_FAILED",
                         *         "message": "The body, query or path does not match the schema."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "UNAUTHENTICATED",
                         *         "message": "No API key, or an unknown or revoked one."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
                    };
                };
                /** @description every error answer */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": {
                         *         "code": "NOT_FOUND",
                         *         "message": "No such route or resource, or it is not visible to the caller."
                         *       }
                         *     }
                         */
                        "application/json": {
                            error: {
                                /** @description stable error code, see docs/errors.md */
                                code: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                                message: string;
                            };
                        };
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
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        ErrorEnvelope: {
            error: {
                /** @description stable error code, listed in docs/errors.md */
                code: string;
                details?: {
                    [key: string]: unknown;
                };
                message: string;
            };
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
