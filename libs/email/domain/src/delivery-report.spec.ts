import { deliveryReport } from './delivery-report';

describe('deliveryReport', () => {
  it('counts the delivered SMS in the subject and gives one line per SMS with its reason', () => {
    const report = deliveryReport({ subject: 'Reminder' }, [
      { id: 'A', to: '+447911123456', status: 'DELIVERED', final: true, reasonCode: '', reason: '' },
      { id: 'B', to: '+447911123457', status: 'UNDELIVERED', final: true, reasonCode: 'UNDELIV', reason: 'the handset is off' },
      { id: 'C', to: '+447911123458', status: 'SUBMITTED', final: false, reasonCode: '', reason: '' },
    ], 3600);
    expect(report.subject).toBe('SMS delivery report: 1 of 3 delivered (Reminder)');
    expect(report.text.split('\n').slice(2, 5)).toEqual([
      '+447911123456  DELIVERED  [A]',
      '+447911123457  UNDELIVERED (UNDELIV: the handset is off)  [B]',
      '+447911123458  still SUBMITTED after 3600 s, no final status yet  [C]',
    ]);
  });
});
