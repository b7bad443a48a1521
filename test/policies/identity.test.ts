import { findingIds, guardFindings, template } from './guard';

// Log retention (policy-as-code: "log retention set") is the rule microplane_log_groups_have_retention
// of identity.guard, which predates the other policies; this is its failing fixture.

test('a log group that keeps its events forever fails the retention policy', () => {
  const findings = guardFindings(
    'identity.guard',
    template({
      Bounded: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } },
      Forever: { Type: 'AWS::Logs::LogGroup', Properties: {} },
    }),
  );
  expect(findingIds(findings)).toEqual(['microplane_log_groups_have_retention Forever']);
});
