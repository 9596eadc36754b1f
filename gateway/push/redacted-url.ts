/**
 * A request URL fit for a log line: the path only. Push URLs registered with a platform carry
 * the push token (`/push/ctwing?token=…`, issue 16: "the CTWing token is logged in clear inside
 * request URLs"), and no query parameter is worth a leaked secret.
 */
export function redactedUrl(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : `${url.slice(0, q)}?…`;
}
