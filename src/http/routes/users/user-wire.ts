import { z } from "@hono/zod-openapi";
import type { User } from "../../../domain/account.service";

const Role = z.enum(["admin", "supervisor", "agent"]).openapi({
  description:
    "`admin`: everything, including admin routes; `supervisor`: sees every ticket; `agent`: sees the tickets of its queues and those with no queue",
});

export const UserSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    email: z.string(),
    role: Role,
    queueIds: z.array(z.number().int()).openapi({ description: "The queues this user works" }),
    signature: z.boolean().openapi({
      description: "Prefix `*Name:*` to what this user sends, on connections with `agentSignature`",
    }),
    notifications: z
      .boolean()
      .openapi({ description: "The panel notifies (sound, desktop) of new messages in my tickets/queues" }),
    disabled: z.boolean().openapi({ description: "Cannot sign in; has no sessions" }),
    hasPassword: z.boolean().openapi({ description: "A password is set (the hash is never shown)" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("User", {
    example: {
      id: 1,
      name: "Ana Agente",
      email: "ana@example.com",
      role: "agent",
      queueIds: [1],
      signature: true,
      notifications: true,
      disabled: false,
      hasPassword: true,
      createdAt: "2024-12-01T10:00:00.000Z",
      updatedAt: "2024-12-01T10:00:00.000Z",
    },
  });

export const userWire = (u: User) => ({
  id: u.id,
  name: u.name,
  email: u.email,
  role: u.role,
  queueIds: u.queueIds,
  signature: u.signature,
  notifications: u.notifications,
  disabled: u.disabled,
  hasPassword: u.hasPassword,
  createdAt: u.createdAt.toISOString(),
  updatedAt: u.updatedAt.toISOString(),
});

export const RoleField = Role;
