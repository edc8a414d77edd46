// The polling helper lives with the local cloud, whose own tests use it too.
export { eventually } from '@order-pipeline/local-cloud/poll';
