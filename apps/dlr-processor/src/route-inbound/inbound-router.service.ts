import { readFileSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import { TOPICS, decodeBatch, type ConsumedFetch, type OutgoingEvent } from '@smsgw/shared/data-access-kafka';
import { CONFIG, LOGGER, METRICS, PG_POOL } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { counter, type Registry } from '@smsgw/shared/util-metrics';
import { Channel, InboundAction, InboundMatch, InboundMessage, MessageAccepted } from '@smsgw/shared/util-proto';
import { AUTO_REPLY_METADATA, findInboundCandidates, recordInbound, type InboundRecord, type SuppressionChange } from '@smsgw/twoway/data-access-store';
import {
  DEFAULT_INBOUND_SETTINGS,
  autoReplyText,
  canonicalNumber,
  classifyKeyword,
  countryOf,
  handsetE164,
  keywordLists,
  replyMessageId,
  routeInbound,
  suppressionSender,
  type DefaultReplies,
  type KeywordAction,
  type KeywordLists,
} from '@smsgw/twoway/domain';
import type { Pool } from 'pg';
import { parse as parseYaml } from 'yaml';
import type { DlrEnv } from '../env';
import { AppProducer } from '@smsgw/shared/feature-ops';

const ACTIONS: Record<KeywordAction, InboundAction> = { opt_out: InboundAction.OPT_OUT, opt_in: InboundAction.OPT_IN, help: InboundAction.HELP };
const MATCHES = { keyword: InboundMatch.KEYWORD, number: InboundMatch.NUMBER, conversation: InboundMatch.CONVERSATION } as const;

/**
 * Inbound routing (two-way): each fetch of sms.inbound.v1 costs one PostgreSQL query (who holds
 * the numbers, who last wrote to the handsets: findInboundCandidates), one statement (the stored
 * messages, the opt-out audit and the suppression list: recordInbound) and one produce request
 * (sms.inbound.routed.v1 with the account, and the automatic replies on sms.accepted.v1, which
 * go out like any message). The decisions are the pure functions of @smsgw/twoway/domain.
 * Replays are harmless: rows are keyed by the inbound id, and a reply's id comes from it.
 */
@Injectable()
export class InboundRouter {
  private readonly lists: KeywordLists;
  private readonly defaults: DefaultReplies;
  private readonly messages;
  private readonly optOuts;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CONFIG) private readonly config: DlrEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) registry: Registry,
    private readonly producer: AppProducer,
  ) {
    this.lists = keywordLists(config.INBOUND_KEYWORDS_FILE ? parseYaml(readFileSync(config.INBOUND_KEYWORDS_FILE, 'utf8')) : undefined);
    this.defaults = { stop: config.INBOUND_STOP_REPLY, start: config.INBOUND_START_REPLY, help: config.INBOUND_HELP_REPLY };
    this.messages = counter(registry, 'smsgw_inbound_messages_total', 'Inbound (MO) messages by outcome: routed (to an account), unrouted (no account holds the number or wrote to the handset), undecodable.', ['outcome']);
    this.optOuts = counter(registry, 'smsgw_optouts_total', 'Suppression list changes: opt_out (STOP… or an operator) and opt_in (START… or an operator).', ['action']);
  }

  async handle(fetch: ConsumedFetch): Promise<void> {
    const events: InboundMessage[] = [];
    for (const batch of fetch.batches) {
      const { events: decoded, undecodable } = decodeBatch(TOPICS.inbound, batch.messages);
      for (const { message, error } of undecodable) {
        // Not an InboundMessage: nothing can route it. It stays in the topic for a person to look at.
        this.messages.inc({ outcome: 'undecodable' });
        this.logger.error({ topic: batch.topic, partition: batch.partition, offset: message.offset, err: error }, 'undecodable inbound event skipped');
      }
      for (const e of decoded) events.push(e.value);
    }
    if (events.length === 0) return;
    const nowMs = Date.now();
    const lookups = events.map((e) => ({ number: canonicalNumber(e.to), handset: handsetE164(e.from) }));
    const { candidates, settings } = await findInboundCandidates(this.pool, lookups, this.config.INBOUND_CONVERSATION_WINDOW_SECONDS);

    const out: OutgoingEvent[] = [];
    const records: InboundRecord[] = [];
    const changes: SuppressionChange[] = [];
    let unrouted = 0;
    events.forEach((event, i) => {
      const { handset } = lookups[i];
      const routed = InboundMessage.create({ ...event, fromE164: handset, routedAtMs: nowMs });
      const key = `${event.carrierId}/${event.from}`;
      const route = routeInbound(event.text, candidates[i].holders, candidates[i].conversations);
      if (!route) {
        unrouted++;
        this.logger.info({ inboundId: event.id, carrier: event.carrierId, to: event.to }, 'inbound message for no account: the number is nobody\'s and nobody wrote to the handset from it (smsgw numbers add)');
        out.push({ topic: TOPICS.inboundRouted, key, value: routed });
        return;
      }
      const account = settings.get(route.accountId) ?? DEFAULT_INBOUND_SETTINGS;
      const keyword = handset ? classifyKeyword(event.text, countryOf(handset), this.lists) : undefined;
      Object.assign(routed, { accountId: route.accountId, relatedMessageId: route.relatedMessageId, match: MATCHES[route.match], keyword: keyword?.keyword ?? route.keyword, webhookUrl: account.webhookUrl });
      if (keyword) {
        routed.action = ACTIONS[keyword.action];
        if (keyword.action !== 'help') changes.push({ inboundId: event.id, accountId: route.accountId, msisdn: handset, sender: suppressionSender(account.optoutScope, event.to), action: keyword.action, keyword: keyword.keyword });
        const text = autoReplyText(keyword.action, account, this.defaults);
        if (text) {
          // Straight onto sms.accepted.v1: a STOP's confirmation must reach the handset that just opted out.
          const reply = MessageAccepted.create({ id: replyMessageId(event.id), to: handset, from: event.to, text, acceptedAtMs: nowMs, channel: Channel.AUTO_REPLY, clientId: route.accountId, metadata: { [AUTO_REPLY_METADATA]: keyword.action } });
          routed.autoReplyMessageId = reply.id;
          out.push({ topic: TOPICS.accepted, key: reply.id, value: reply });
        }
      }
      records.push({ id: event.id, accountId: route.accountId, carrierId: event.carrierId, from: handset || event.from, to: event.to, text: event.text, action: routed.action, keyword: routed.keyword, relatedMessageId: route.relatedMessageId, autoReplyMessageId: routed.autoReplyMessageId, receivedAtMs: event.receivedAtMs });
      out.push({ topic: TOPICS.inboundRouted, key, value: routed });
    });

    const applied = await recordInbound(this.pool, records, changes);
    await this.producer.sendMany(out);
    this.messages.inc({ outcome: 'routed' }, events.length - unrouted);
    if (unrouted) this.messages.inc({ outcome: 'unrouted' }, unrouted);
    for (const c of changes) if (applied.has(c.inboundId)) this.optOuts.inc({ action: c.action });
    if (changes.length) this.logger.info({ optOuts: changes.filter((c) => c.action === 'opt_out').length, optIns: changes.filter((c) => c.action === 'opt_in').length, replayed: changes.length - applied.size }, 'opt-out keywords applied');
  }
}
