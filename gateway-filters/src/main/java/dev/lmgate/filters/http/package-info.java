/** HTTP calls the filters make to services beside the gateway (judges, embedding endpoints). */
package dev.lmgate.filters.http;
