import { EncodingError, count, type NationalLanguage } from '@smsgw/gsm/util-encoding';
import type { OutgoingEvent } from '@smsgw/shared/data-access-kafka';
import { TOPICS } from '@smsgw/shared/data-access-kafka';
import { MessageAccepted, MessageEncoded, SubmitOutcome, acceptedFieldsOf, encodingOfName, messageEvent } from '@smsgw/shared/util-proto';


export interface EncoderRules {
  maxSegments: number;
  nationalLanguages: NationalLanguage[];
}

/**
 * Decides a message's encoding and segment count. The bytes are rendered by the connector with
 * its carrier's settings (UDH or SAR, data_coding, references); this decision is what routing,
 * billing and the status store use. A message too long fails here, before any carrier sees it.
 */
export function encodeMessage(message: MessageAccepted, rules: EncoderRules, now = Date.now()): OutgoingEvent {
  try {
    const result = count(message.text, { smart: message.smartEncoding, nationalLanguages: rules.nationalLanguages, maxSegments: rules.maxSegments });
    return {
      topic: TOPICS.encoded,
      key: message.id,
      value: MessageEncoded.create({
        message,
        text: result.text,
        encoding: encodingOfName(result.encoding),
        nationalLanguage: result.national ?? '',
        segmentCount: result.segments,
        units: result.units,
        replaced: result.replaced,
        encodedAtMs: now,
      }),
    };
  } catch (err) {
    if (!(err instanceof EncodingError)) throw err;
    return {
      topic: TOPICS.submitted,
      key: message.id,
      value: messageEvent(
        { messageId: message.id, reportedAtMs: now, ...acceptedFieldsOf(message) },
        { outcome: SubmitOutcome.FAILED, reasonCode: err.code, reason: err.message },
      ),
    };
  }
}
