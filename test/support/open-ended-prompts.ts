// Hand-written chat requests with no single answer to compare: the dev splits hold none.

export const OPEN_ENDED_PROMPTS = [
  'Write a haiku about autumn',
  'Explain how a transformer language model works to a ten-year-old.',
  'Tell me about the history of Rome.',
  'Can you help me draft an email to my landlord about a broken heater?',
  'Summarize the plot of Hamlet in three paragraphs.',
  'Translate "good morning, how are you?" into French and German.',
  'Give me some ideas for a birthday party for a 6 year old.',
  'How do I center a div in CSS?',
  'Why is the sky blue?',
  'Write a Python function that reverses a linked list.',
  'I need a workout plan for 3 days a week.',
  'hello! how are you today?',
  'Compare PostgreSQL and MySQL for a small startup.',
  'Describe a sunset over the ocean.',
];
