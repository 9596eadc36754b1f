import { z } from 'zod';
import { Role } from './api.ts';

/**
 * `POST /api/v1/session`: a person signs in with a password and gets an expiring session token
 * (issue 17). Machines (gateways, integrations) never sign in: they hold long-lived tokens.
 */
export const SignInBody = z.object({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(1024),
});
export type SignInBody = z.infer<typeof SignInBody>;

export const SessionResponse = z.object({
  token: z.string(),
  /** Epoch ms; after it the token is refused and the person signs in again. */
  expiresAt: z.number().int(),
  username: z.string(),
  role: Role,
});
export type SessionResponse = z.infer<typeof SessionResponse>;

/** `GET /api/v1/session`: who the token belongs to and what it may see. */
export const WhoAmI = z.object({
  kind: z.enum(['user', 'integration', 'gateway']),
  name: z.string(),
  role: Role,
  /** The session's end; absent for a machine's long-lived token. */
  expiresAt: z.number().int().optional(),
  grant: z.object({ all: z.boolean(), regions: z.array(z.string()), sites: z.array(z.string()) }).optional(),
});
export type WhoAmI = z.infer<typeof WhoAmI>;
