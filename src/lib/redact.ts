// Secrets, bearer tokens and pre-signed URL signatures must never reach a log, an error or the database.

/** Drops the query string (where pre-signed URLs carry their signature) and any userinfo. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    const hadQuery = u.search.length > 0;
    u.search = '';
    u.hash = '';
    return hadQuery ? `${u.toString()}?[redacted]` : u.toString();
  } catch {
    return '[unparseable url]';
  }
}

const SECRET_PATTERNS: RegExp[] = [
  /(authorization:\s*)(bearer|basic)\s+[^\s"',]+/gi,
  /((?:access_token|client_secret|X-Amz-Signature|X-Amz-Credential|Signature|sig|token)=)[^&\s"']+/gi,
];

/** Scrubs anything that looks like a credential out of free text (error messages from libraries). */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  for (const p of SECRET_PATTERNS) out = out.replace(p, '$1[redacted]');
  return out;
}
