import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * A throwaway OIDC issuer for the benchmark: generates an RSA key at run time, writes its public
 * JWKS to {@code DIR/jwks.json} (served by the bench script) and prints one RS256 access token,
 * valid for a day, for {@code ISSUER} with audience {@code lmgate} and role {@code developer}.
 *
 * <p>Run with the gateway's jar on the class path (it carries Nimbus JOSE+JWT):
 * {@code java -cp gateway-app/target/lmgate.jar gateway-bench/BenchIssuer.java DIR ISSUER}
 */
public final class BenchIssuer {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String issuer = args[1];
    RSAKey key = new RSAKeyGenerator(2048).keyID("bench-" + System.nanoTime()).generate();
    Files.writeString(dir.resolve("jwks.json"), new JWKSet(key.toPublicJWK()).toString());
    Instant now = Instant.now();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .audience("lmgate")
            .subject("bench")
            .issueTime(Date.from(now))
            .notBeforeTime(Date.from(now))
            .expirationTime(Date.from(now.plusSeconds(86_400)))
            .claim("roles", List.of("developer"))
            .build();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(key.getKeyID())
                .type(JOSEObjectType.JWT)
                .build(),
            claims);
    jwt.sign(new RSASSASigner(key));
    System.out.println(jwt.serialize()); // the bench script's input; a throwaway token
  }
}
