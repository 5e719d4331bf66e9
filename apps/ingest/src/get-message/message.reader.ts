import { Inject, Injectable } from '@nestjs/common';
import { Message, timestampFromMillis } from '@smsgw/shared/util-proto';
import type { Pool } from 'pg';
import { PG_POOL } from '../database.provider';

interface MessageRow {
  id: string;
  status: number;
  to_number: string;
  sender: string;
  client_reference: string;
  encoding: number;
  segment_count: number;
  segments_delivered: number;
  carrier_id: string;
  reason_code: string;
  reason: string;
  metadata: Record<string, string>;
  accepted_at: Date;
  submitted_at: Date | null;
  completed_at: Date | null;
  updated_at: Date;
}

const ts = (d: Date | null) => (d ? timestampFromMillis(d.getTime()) : undefined);

/** Reads the status store that the dlr-processor projects from the events. */
@Injectable()
export class MessageReader {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async find(ids: string[]): Promise<Message[]> {
    const { rows } = await this.pool.query<MessageRow>('SELECT * FROM messages WHERE id = ANY($1::text[])', [ids]);
    return rows.map((r) =>
      Message.create({
        id: r.id,
        status: r.status,
        to: r.to_number,
        from: r.sender,
        clientReference: r.client_reference,
        encoding: r.encoding,
        segments: r.segment_count,
        segmentsDelivered: r.segments_delivered,
        carrier: r.carrier_id,
        reasonCode: r.reason_code,
        reason: r.reason,
        metadata: r.metadata,
        acceptedAt: ts(r.accepted_at),
        submittedAt: ts(r.submitted_at),
        completedAt: ts(r.completed_at),
        updatedAt: ts(r.updated_at),
      }),
    );
  }
}
