import { Inject, Injectable } from '@nestjs/common';
import { METRICS } from '@smsgw/shared/feature-ops';
import { counter, histogram, type Registry } from '@smsgw/shared/util-metrics';

@Injectable()
export class EncoderMetrics {
  readonly encoded;
  readonly segments;
  readonly failed;
  readonly stageSeconds;

  constructor(@Inject(METRICS) registry: Registry) {
    this.encoded = counter(registry, 'smsgw_messages_encoded_total', 'Messages encoded, by encoding.', ['encoding']);
    this.segments = counter(registry, 'smsgw_segments_encoded_total', 'Segments the encoded messages take, by encoding.', ['encoding']);
    this.failed = counter(registry, 'smsgw_messages_encode_failed_total', 'Messages that could not be encoded, by reason.', ['reason']);
    this.stageSeconds = histogram(registry, 'smsgw_stage_latency_seconds', 'Time from acceptance to the end of each pipeline stage.', ['stage']);
  }
}
