import { ulid } from 'ulid';
import { decode, type DecodedSegment } from '@smsgw/gsm/util-encoding';
import { TOPICS, type EventProducer } from '@smsgw/shared/data-access-kafka';
import type { Logger } from '@smsgw/shared/util-logging';
import { InboundMessage, RawReceipt } from '@smsgw/shared/util-proto';
import { isDeliveryReceipt, readReceipt, receiptKey } from '@smsgw/smpp/domain';
import { TLV, messageContent, tlvInt, type IncomingMessagePdu } from '@smsgw/smpp/util-wire';
import type { ConnectorMetrics } from './connector-metrics';
import { MoReassembly, type MoPart } from './mo-reassembly';

/**
 * What the carrier sends us, to Kafka: deliver_sm/data_sm receipts to sms.dlr.raw.v1 as received,
 * MO to sms.inbound.v1 (concatenated MO reassembled first). Each PDU is answered only once Kafka
 * acknowledged it, so a crash makes the SMSC send it again rather than lose it.
 */
export class InboundPublisher {
  private readonly reassembly: MoReassembly;

  constructor(
    private readonly carrierId: string,
    private readonly producer: EventProducer,
    private readonly metrics: ConnectorMetrics,
    private readonly logger: Logger,
    /** How long parts of a concatenated MO wait for the rest. */
    moReassemblyTimeoutMs: number,
  ) {
    this.reassembly = new MoReassembly(moReassemblyTimeoutMs, (parts, complete) => this.publishMo(parts, complete));
  }

  /** The pool's handler for deliver_sm/data_sm: resolves (→ resp 0) once Kafka has it. */
  async receive(pdu: IncomingMessagePdu): Promise<number> {
    const receipt = isDeliveryReceipt(pdu);
    const kind = receipt ? 'receipt' : 'mo';
    try {
      if (receipt) await this.publishReceipt(pdu);
      else await this.acceptMo(pdu);
      this.metrics.incomingPdu(kind, 'stored');
      return 0;
    } catch (err) {
      this.metrics.incomingPdu(kind, 'error');
      throw err;
    }
  }

  /** Publishes the parts of concatenated MO still waiting for the rest (on stop). */
  flush(): Promise<void> {
    return this.reassembly.flushAll();
  }

  private async publishReceipt(pdu: IncomingMessagePdu): Promise<void> {
    const r = readReceipt(pdu);
    if (!r.smscMessageId) this.logger.warn({ carrier: this.carrierId }, 'receipt without an SMSC message id (no receipted_message_id TLV, no id: field); forwarded as is');
    const value = RawReceipt.create({
      carrierId: this.carrierId,
      smscMessageId: r.smscMessageId ?? '',
      shortMessage: r.text,
      receiptedMessageId: r.receiptedMessageId ?? '',
      messageState: r.messageState ?? 0,
      networkErrorCode: r.networkErrorCode ?? new Uint8Array(0),
      esmClass: pdu.esmClass,
      sourceAddr: pdu.sourceAddr,
      destinationAddr: pdu.destinationAddr,
      receivedAtMs: Date.now(),
    });
    await this.producer.send({ topic: TOPICS.dlrRaw, key: receiptKey(this.carrierId, r.smscMessageId), value });
  }

  private acceptMo(pdu: IncomingMessagePdu): Promise<void> {
    const raw = messageContent(pdu);
    let decoded: DecodedSegment;
    const sarTotal = tlvInt(pdu.tlvs, TLV.SAR_TOTAL_SEGMENTS);
    const sar =
      sarTotal !== undefined
        ? { msgRefNum: tlvInt(pdu.tlvs, TLV.SAR_MSG_REF_NUM) ?? 0, totalSegments: sarTotal, segmentSeqnum: tlvInt(pdu.tlvs, TLV.SAR_SEGMENT_SEQNUM) ?? 1 }
        : undefined;
    try {
      decoded = decode(raw, { dataCoding: pdu.dataCoding, udhi: (pdu.esmClass & 0x40) !== 0, sar });
    } catch (err) {
      // Binary or unknown data coding: forward the bytes, no text.
      this.logger.warn({ carrier: this.carrierId, dataCoding: pdu.dataCoding, err: (err as Error).message }, 'MO not decodable as text; forwarding its bytes');
      decoded = { text: '', encoding: 'gsm7', informationElements: [] };
    }
    return this.reassembly.add({ decoded, raw, dataCoding: pdu.dataCoding, from: pdu.sourceAddr, to: pdu.destinationAddr });
  }

  private async publishMo(parts: MoPart[], complete: boolean): Promise<void> {
    const first = parts[0];
    if (!complete) this.logger.warn({ carrier: this.carrierId, parts: parts.length, of: first.decoded.concat?.total }, 'concatenated MO incomplete after the reassembly timeout; publishing the parts that came');
    const value = InboundMessage.create({
      id: ulid(),
      carrierId: this.carrierId,
      from: first.from,
      to: first.to,
      text: parts.map((p) => p.decoded.text).join(''),
      dataCoding: first.dataCoding,
      parts: parts.map((p) => p.raw),
      receivedAtMs: Date.now(),
    });
    await this.producer.send({ topic: TOPICS.inbound, key: `${this.carrierId}/${first.from}`, value });
  }
}
