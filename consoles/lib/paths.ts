/** The API the page came from: the server's `/api/v1`, or the gateway's local page's own API. */
export const API_BASE = (document.querySelector('meta[name="carewatch-api"]') as HTMLMetaElement | null)?.content || '/api/v1';
