import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { findSmppCredential } from '@smsgw/accounts/data-access-store';
import { commandStatusName, type BindRequest } from '@smsgw/smpp/util-wire';
import { CONFIG, HealthRegistry, LOGGER, PG_POOL } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Pool } from 'pg';
import { bindStatus } from './bind/bind-check';
import { DeliveryDispatcher } from './deliver/delivery.dispatcher';
import type { SmppServerEnv } from './env';
import { EsmeSession, type EsmeSessionHooks } from './session/esme-session';
import { SmppServerMetrics } from './smpp-server.metrics';
import { SubmitService } from './submit/submit.service';

/** A bounded metric label: the status's name, or "other" for vendor values an ESME may answer. */
const statusLabel = (status: number): string => {
  const name = commandStatusName(status);
  return name.startsWith('0x') ? 'other' : name;
};

/** The SMPP 3.4 port for customers' ESMEs (plain TCP, or TLS with SMPP_SERVER_TLS_CERT_FILE/KEY_FILE). */
@Injectable()
export class SmppServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private server: Server | undefined;
  private readonly sessions = new Set<EsmeSession>();
  private listening = false;
  private readonly hooks: EsmeSessionHooks;

  constructor(
    @Inject(CONFIG) private readonly config: SmppServerEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly submits: SubmitService,
    private readonly dispatcher: DeliveryDispatcher,
    private readonly metrics: SmppServerMetrics,
    health: HealthRegistry,
  ) {
    health.add('smpp-port', () => this.listening || 'SMPP port not listening');
    this.hooks = {
      bind: (request) => this.bind(request),
      submit: (pdu, account) => this.submits.submit(pdu, account),
      onBound: (session) => {
        this.metrics.binds.inc({ bind_type: session.bindType ?? 'unknown' });
        if (session.canReceive) this.dispatcher.addReceiver(session);
      },
      onClosed: (session, unacknowledged) => {
        this.sessions.delete(session);
        if (!session.bindType) return;
        this.metrics.binds.dec({ bind_type: session.bindType });
        if (session.bindType !== 'transmitter') this.dispatcher.removeReceiver(session, unacknowledged);
        this.logger.info({ systemId: session.account?.systemId, bindType: session.bindType }, 'ESME connection closed');
      },
      onDeliverResponse: (session, delivery, status) => this.dispatcher.onResponse(session, delivery, status),
      onPdu: (command, status) => this.metrics.pdus.inc({ command, status: statusLabel(status) }),
    };
  }

  /** The port listened on (0 in config: the one the OS gave). */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { SMPP_SERVER_TLS_CERT_FILE: certFile, SMPP_SERVER_TLS_KEY_FILE: keyFile } = this.config;
    const onSocket = (socket: Socket) => this.onConnection(socket);
    this.server = certFile && keyFile ? createTlsServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, onSocket) : createTcpServer(onSocket);
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.SMPP_SERVER_PORT, this.config.SMPP_SERVER_HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.logger.error({ err }, 'SMPP server error'));
    this.listening = true;
    this.logger.info({ port: this.port, tls: Boolean(certFile && keyFile) }, 'SMPP server listening');
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.listening = false;
    const closing = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    for (const s of this.sessions) s.unbind();
    await closing;
  }

  private onConnection(socket: Socket): void {
    const session = new EsmeSession(
      socket,
      { systemId: this.config.SMPP_SERVER_SYSTEM_ID, window: this.config.SMPP_SERVER_WINDOW, enquireLinkMs: this.config.SMPP_SERVER_ENQUIRE_LINK_MS, deliverTimeoutMs: this.config.SMPP_SERVER_DELIVER_TIMEOUT_MS },
      this.hooks,
      this.logger,
    );
    this.sessions.add(session);
  }

  private async bind(request: BindRequest): Promise<{ status: number; account?: { accountId: string; systemId: string } }> {
    const stored = await findSmppCredential(this.pool, request.systemId);
    const status = await bindStatus(stored, request.password);
    this.metrics.bindsTotal.inc({ status: statusLabel(status) });
    if (status !== 0 || !stored) {
      this.logger.info({ systemId: request.systemId.slice(0, 16), status: commandStatusName(status) }, 'bind refused');
      return { status };
    }
    return { status, account: { accountId: stored.accountId, systemId: stored.systemId } };
  }
}
