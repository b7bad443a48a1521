import { findingIds, guardFindings, template } from './guard';

const RULES = 'functions.guard';

test('a function with neither reserved concurrency nor a documented reason fails the policy', () => {
  const findings = guardFindings(
    RULES,
    template({
      Reserved: { Type: 'AWS::Lambda::Function', Properties: { ReservedConcurrentExecutions: 5 } },
      Explained: { Type: 'AWS::Lambda::Function', Metadata: { 'microplane:concurrency-reason': 'runs only while stacks deploy' }, Properties: {} },
      Unexplained: { Type: 'AWS::Lambda::Function', Metadata: { 'aws:cdk:path': 'Stack/Fn/Resource' }, Properties: {} },
    }),
  );
  expect(findingIds(findings)).toEqual(['microplane_functions_reserve_concurrency_or_say_why Unexplained']);
  expect(findings[0].fix).toContain('functions.reservedConcurrency');
});

test('functions that reserve concurrency or say why pass', () => {
  const fine = template({
    Reserved: { Type: 'AWS::Lambda::Function', Properties: { ReservedConcurrentExecutions: 0 } },
    Explained: { Type: 'AWS::Lambda::Function', Metadata: { 'microplane:concurrency-reason': 'no account quota' }, Properties: {} },
  });
  expect(guardFindings(RULES, fine)).toEqual([]);
});
