/**
 * Outbound notification channels beyond the in-app inbox (which is always used): SMS and
 * voice adapters behind one interface, and a logging adapter for development. Messages go
 * out from a job (`notify.external`), never inside a command's transaction, so a gateway
 * failure is retried and never rolls back the change that caused it.
 */
export type OutboundMessage = { phone: string; kind: string; params: Record<string, string | number>; text: string };

export interface NotificationChannel {
  readonly name: string;
  send(msg: OutboundMessage): Promise<void>;
}

/** Development: writes the message to the server log. */
export class LoggingChannel implements NotificationChannel {
  readonly name = "log";
  readonly sent: OutboundMessage[] = [];
  async send(msg: OutboundMessage): Promise<void> {
    this.sent.push(msg);
    console.log(`[notify:log] to ${maskPhone(msg.phone)} ${msg.kind}: ${msg.text}`);
  }
}

/**
 * An HTTP SMS or voice gateway (the common shape of Chinese carrier gateways: POST JSON with
 * a token). Configured with NOTIFY_SMS_URL / NOTIFY_VOICE_URL and NOTIFY_GATEWAY_TOKEN.
 */
export class HttpGatewayChannel implements NotificationChannel {
  constructor(
    readonly name: "sms" | "voice",
    private readonly url: string,
    private readonly token: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}
  async send(msg: OutboundMessage): Promise<void> {
    const res = await this.fetchImpl(this.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ phone: msg.phone, template: msg.kind, params: msg.params, text: msg.text }),
    });
    if (!res.ok) throw new Error(`${this.name} gateway answered ${res.status}`);
  }
}

export function maskPhone(phone: string): string {
  return phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : "****";
}

/** The configured external channels (none configured → the logging channel). */
export function channelsFromEnv(env: NodeJS.ProcessEnv = process.env): NotificationChannel[] {
  const out: NotificationChannel[] = [];
  const token = env.NOTIFY_GATEWAY_TOKEN ?? "";
  if (env.NOTIFY_SMS_URL) out.push(new HttpGatewayChannel("sms", env.NOTIFY_SMS_URL, token));
  if (env.NOTIFY_VOICE_URL) out.push(new HttpGatewayChannel("voice", env.NOTIFY_VOICE_URL, token));
  if (out.length === 0) out.push(new LoggingChannel());
  return out;
}
